"""MySQL and MariaDB through MariaDB Connector/Python (`mariadb`): C, binary-protocol
prepared statements. https://mariadb.com/docs/connectors/mariadb-connector-python/

The C library blocks the calling thread (it never goes through gevent's patched socket), so:
- `arena load` runs each user's whole loop in an OS thread of its own (`own_thread`, see
  arena/load/threads.py), which calls the library directly, like a bare loop (the library
  releases the GIL while it waits for the server);
- a scenario user (a greenlet) alone in its process calls it directly too, as
  drivers/postgres.py does with libpq: nothing else needs the hub meanwhile, and the loop
  hands the hub a turn every few milliseconds (heartbeats, stop messages, the shape's ticks);
- several scenario users in one process run each call in gevent's thread pool, so they wait
  side by side and the hub keeps running. https://www.gevent.org/api/gevent.threadpool.html
benchmarks/load.py measures these against a bare loop and sysbench.

Each distinct statement gets a cursor of its own, made with prepared=True (the statement is
prepared once, see `_execute`; a later execute's text is ignored, so a cursor never changes statements: one
that did ran its first one again, or crashed the process with SIGSEGV after a failed
execute, in Connector/Python 1.1.14) and binary=True (without it, Connector/Python substitutes
the parameters into the text and uses the text protocol).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from gevent import get_hub
from gevent.monkey import get_original

from arena.errors import ArenaError, ErrorKind
from arena.load.drivers import ACTIVE_USERS, Session, size_thread_pool
from arena.load.threads import on_hub_thread

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.load.operations import Operation
    from arena.models import Endpoint

# A real lock (not gevent's): taken by the pool's OS threads around every use of the
# connection, so a close never runs while a call still holds it.
_allocate_lock = get_original("_thread", "allocate_lock")


def _module() -> Any:
    try:
        import mariadb
    except ImportError as exc:
        raise ArenaError(
            f"This load process cannot import the mariadb package ({exc}).",
            "pip install mariadb (it builds against libmariadb-dev), or run the master with "
            "ARENA_MYSQL_DRIVER=pymysql.",
        ) from None
    return mariadb


def qmark(sql: str) -> str:
    """DB-API "format" placeholders (%s, and %% for a literal %) -> the server's ?."""
    return "%".join(part.replace("%s", "?") for part in sql.split("%%"))


class _Raised:
    """An error of a call made in a pool thread, carried back to the user's greenlet."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class MariaDBSession(Session):
    """One connection, one prepared cursor per statement; see the module's docstring."""

    @classmethod
    def own_thread(cls, users_per_process: int) -> bool:
        return True  # C: it releases the GIL while it waits, so threads overlap

    @classmethod
    def errors(cls, engine: Engine) -> tuple[type[BaseException], ...]:
        return (_module().Error,)

    @classmethod
    def version(cls, driver: str) -> str:
        mariadb = _module()
        return f"{mariadb.__version__} (Connector/C {mariadb.mariadbapi_version})"

    def __init__(self, engine: Engine, endpoint: Endpoint) -> None:
        self.engine = engine
        self.endpoint = endpoint
        self.lock = _allocate_lock()
        self.cursors: dict[str, tuple[Any, str]] = {}
        self.lost = False
        self.plain: Any = None  # the cursor of `execute`, made on first use
        self.closed = False
        self.direct = not on_hub_thread()  # in a user's own thread: every call made here
        if not self.direct:
            size_thread_pool(ACTIVE_USERS[0])  # a thread for every user's call (10 by default)
        self.conn = self._call(self.connect)

    def connect(self) -> Any:
        ep = self.endpoint
        return _module().connect(
            host=ep.host, port=ep.port, user=ep.user, password=ep.password,
            database=ep.database, autocommit=True, connect_timeout=5,
        )  # fmt: skip

    def _call(self, fn: Any, *args: Any) -> Any:
        """`fn(*args)` here when this user has an OS thread of its own or is alone in its
        process, else in one of the pool's threads."""
        if self.direct or ACTIVE_USERS[0] <= 1:
            return fn(*args)
        result = get_hub().threadpool.apply(self._locked, (fn, *args))
        if isinstance(result, _Raised):
            raise result.error
        return result

    def _locked(self, fn: Any, *args: Any) -> Any:
        with self.lock:
            if self.closed:  # a call queued by a user stopped since: nobody waits for it
                return None
            try:
                return fn(*args)
            except Exception as exc:  # noqa: BLE001  handed back, raised by _call: gevent's
                return _Raised(exc)  # hub prints every error a pool thread raises itself

    def _execute(self, op: Operation, params: tuple[Any, ...]) -> Any:
        prepared = self.cursors.get(op.sql)
        if prepared is None:
            prepared = self.cursors[op.sql] = (
                self.conn.cursor(prepared=True, binary=True),
                qmark(op.sql),
            )
        cur, sql = prepared
        try:
            cur.execute(sql, params)
        except Exception:
            cur._reprepare = True  # prepared afresh next time (the server may have dropped it)
            raise
        # Connector/Python 1.1 never clears this flag on a prepared cursor, so every execute
        # went through mariadb_stmt_execute_direct: PREPARE + EXECUTE + CLOSE on the server
        # each time (Com_stmt_prepare per query), twice the server's and the client's CPU of
        # a prepared statement reused, as sysbench does. Cleared, the next execute is a bare
        # COM_STMT_EXECUTE; tests/integration/test_load_mysql_driver.py counts the server's
        # commands.
        cur._reprepare = False
        if cur.description is not None:
            rows = cur.fetchall()  # a client that asks for rows reads them
            if op.returns_key and rows:
                return rows[0][0]
        elif op.key_from_lastrowid:
            return cur.lastrowid
        return None

    def run(self, op: Operation, params: tuple[Any, ...]) -> Any:
        try:
            return self._call(self._execute, op, params)
        except _module().Error as exc:
            self.lost = self.engine.classify_error(exc) == ErrorKind.CONNECTION_LOST
            raise

    def execute(self, sql: str, params: tuple[Any, ...]) -> tuple[list[str] | None, list, int, Any]:
        """One statement of a scenario workflow (BEGIN, SET, DML...): a plain cursor, since
        a workflow's statements vary with the engine's overrides and need no preparing."""
        try:
            return self._call(self._statement, sql, params)
        except _module().Error as exc:
            self.lost = self.engine.classify_error(exc) == ErrorKind.CONNECTION_LOST
            raise

    def _statement(self, sql: str, params: tuple[Any, ...]) -> tuple:
        if self.plain is None:
            self.plain = self.conn.cursor()
        cur = self.plain
        cur.execute(qmark(sql), params)
        if cur.description is None:
            return None, [], cur.rowcount, cur.lastrowid
        return [d[0] for d in cur.description], cur.fetchall(), cur.rowcount, None

    @property
    def broken(self) -> bool:
        return self.lost

    def close(self) -> None:
        def close_all() -> None:
            with contextlib.suppress(Exception):  # closing a dead connection: nothing to do
                self.conn.close()
            self.closed = True

        # A user killed mid-call (a ramp-down, the stop) left the call running in a pool
        # thread: the connection is closed there once that call lets go of it.
        if self.lock.acquire(False):
            try:
                close_all()
            finally:
                self.lock.release()
        else:
            get_hub().threadpool.spawn(self._locked, close_all)
