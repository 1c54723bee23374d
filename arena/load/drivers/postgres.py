"""PostgreSQL and Supabase (psycopg): queries through libpq's pq layer.

psycopg >= 3.1.14 detects the patched `select` and waits through it, which costs a new gevent
io-watcher per wait. Queries go through psycopg's pq layer instead (PostgresSession):
prepared statements, one cached watcher per connection, and, when a user is alone in its
process, libpq's blocking call: nothing else needs the hub then, and the hot loop yields to
it every few milliseconds (heartbeats, stop messages). `LoadConnection.wait` applies the
same to psycopg's own waits (connecting).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gevent import get_hub

from arena.load.drivers import ACTIVE_USERS, Session

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.load.operations import Operation
    from arena.models import Endpoint


def _psycopg_connection_class() -> type:
    import psycopg
    from psycopg import waiting

    wait_c = getattr(waiting, "wait_c", None)
    read, write = waiting.WAIT_R, waiting.WAIT_W
    ready_r, ready_w = waiting.READY_R, waiting.READY_W

    class LoadConnection(psycopg.Connection):
        _watchers: tuple[int, Any, Any] | None = None

        def wait(self, gen, interval: float = 0.1, timeout: float | None = None):  # type: ignore[override]
            fd = self.pgconn.socket
            if ACTIVE_USERS[0] <= 1 and wait_c is not None and timeout is None:
                return wait_c(gen, fd, interval)
            hub = get_hub()
            if self._watchers is None or self._watchers[0] != fd:
                self._watchers = (fd, hub.loop.io(fd, 1), hub.loop.io(fd, 2))
            _, on_read, on_write = self._watchers
            try:
                state = next(gen)
                while True:
                    if state & write and not state & read:
                        hub.wait(on_write)
                        state = gen.send(ready_w)
                    elif state & write:
                        # Read and write: wait for either, report what is ready.
                        hub.wait(on_write)
                        state = gen.send(ready_w | ready_r)
                    else:
                        hub.wait(on_read)
                        state = gen.send(ready_r)
            except StopIteration as stop:
                return stop.value

    return LoadConnection


class PostgresSession(Session):
    """libpq through psycopg's thin pq layer: server-side prepared statements, parameters in
    text form, every row's values read back as bytes (as pgbench does; no Python type
    conversion). psycopg's cursor costs ~15 µs of Python per query, about as much as the
    query itself here, so a cursor-based client measured half of pgbench -S on 2 cores.
    https://www.psycopg.org/psycopg3/docs/api/pq.html"""

    def __init__(self, engine: Engine, endpoint: Endpoint) -> None:
        super().__init__(engine, endpoint)
        self.pg = self.conn.pgconn
        self.names: dict[str, bytes] = {}
        self.on_read = self.on_write = None

    def connect(self) -> Any:
        ep = self.endpoint
        return _CONNECTION_CLASS().connect(
            host=ep.host, port=ep.port, user=ep.user, password=ep.password,
            dbname=ep.database, autocommit=True, connect_timeout=5,
        )  # fmt: skip

    def _prepare(self, op: Operation) -> bytes:
        name = f"arena_{len(self.names)}".encode()
        self._check(self.pg.prepare(name, dollar_params(op.sql).encode()))
        self.names[op.sql] = name
        return name

    def run(self, op: Operation, params: tuple[Any, ...]) -> Any:
        name = self.names.get(op.sql) or self._prepare(op)
        values = [pg_text(v) for v in params]
        formats = [1 if isinstance(v, bytes | bytearray) else 0 for v in params]
        if ACTIVE_USERS[0] <= 1:
            # The only user in this process: libpq's blocking call (it releases the GIL).
            res = self.pg.exec_prepared(name, values, formats)
        else:
            res = self._exec_cooperative(name, values, formats)
        self._check(res)
        ntuples, nfields = res.ntuples, res.nfields
        get = res.get_value
        first = None
        for row in range(ntuples):
            for col in range(nfields):
                value = get(row, col)
                if first is None:
                    first = value
        if op.returns_key and first is not None:
            text = first.decode()
            return int(text) if text.lstrip("-").isdigit() else text
        return None

    def _exec_cooperative(self, name: bytes, values: list, formats: list) -> Any:
        """send, then park on the socket's watcher until libpq has the whole result."""
        pg, hub = self.pg, get_hub()
        if self.on_read is None:
            self.on_read = hub.loop.io(pg.socket, 1)
            self.on_write = hub.loop.io(pg.socket, 2)
        pg.send_query_prepared(name, values, formats)
        while pg.flush():
            hub.wait(self.on_write)
        while True:
            pg.consume_input()
            if not pg.is_busy():
                break
            hub.wait(self.on_read)
        res = pg.get_result()
        while pg.get_result() is not None:  # single statement: only the terminating NULL
            pass
        return res

    def _check(self, res: Any) -> None:
        if res is None or res.status not in _PG_OK:
            import psycopg.errors

            if res is None:
                raise psycopg.OperationalError(self.pg.get_error_message().decode(errors="replace"))
            raise psycopg.errors.error_from_result(res, encoding="utf-8")

    @property
    def broken(self) -> bool:
        return self.conn.closed or self.pg.status != 0  # CONNECTION_OK


_PG_OK = (1, 2)  # PGRES_COMMAND_OK, PGRES_TUPLES_OK


def dollar_params(sql: str) -> str:
    """DB-API %s placeholders -> PostgreSQL's $1, $2 ... (%% is a literal %)."""
    parts = sql.split("%%")
    counter = [0]

    def number(text: str) -> str:
        pieces = text.split("%s")
        out = pieces[0]
        for piece in pieces[1:]:
            counter[0] += 1
            out += f"${counter[0]}" + piece
        return out

    return "%".join(number(p) for p in parts)


def pg_text(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text input form (bytes go as binary)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return str(value).encode()


_connection_class: list[type] = []


def _CONNECTION_CLASS() -> type:  # noqa: N802 - reads as the class it returns
    if not _connection_class:
        _connection_class.append(_psycopg_connection_class())
    return _connection_class[0]
