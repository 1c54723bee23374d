"""What every bulk loader shares: the chunk producer, the cancel token, the Loader base.

One transaction per table. Identity columns get explicit ids 1..N (offset by existing rows),
and the sequence / AUTO_INCREMENT / IDENTITY is moved past them afterwards. Explicit ids
rather than reading server-assigned ids back: every engine gets the same ids for the same
seed (PostgreSQL sequences cache, MySQL's auto_increment_increment may step by more than 1),
and children can compute their parents' keys without a round trip per table.

Generation overlaps loading: a producer thread renders chunk k+1 while the server ingests
chunk k (numpy and socket writes release the GIL).

Identifiers are always quoted by the engine and never pass through the driver's placeholder
parser: statements that carry identifiers are sent without parameters (values go in as
Engine.literal), or with `%` doubled where the driver formats (`Loader.formatted`).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from arena.engines.base import Engine, error_text
from arena.errors import ArenaError
from arena.models import Endpoint
from arena.schema import Column, ForeignKey, Table
from arena.seed.table import TableGen
from arena.seed.values import Values, encode_tsv

# The edges of NOT NULL FK cycles loaded before their parent: (child table, its FK).
Cycle = tuple[tuple[Table, ForeignKey], ...]

CHUNK_ROWS = 50_000
Progress = Callable[[int], None]


class LoadError(ArenaError):
    """A table failed to load; its transaction was rolled back."""

    def __init__(self, table: str, detail: str, hint: str | None = None) -> None:
        super().__init__(f"{table}: {detail}", hint or "The table was rolled back.")
        self.table = table
        self.detail = detail


class Cancelled(Exception):
    """The run was interrupted (Ctrl-C): the table in flight is rolled back."""


class CancelToken:
    """Shared by every loader of a run. `cancel()` (from the main thread, on Ctrl-C) makes
    each loader stop at its next chunk and asks each server to abort the statement in flight,
    so a run stops within a second, not at the end of a long COPY or index build."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._loaders: set[Loader] = set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled

    def register(self, loader: Loader) -> None:
        with self._lock:
            self._loaders.add(loader)

    def unregister(self, loader: Loader) -> None:
        with self._lock:
            self._loaders.discard(loader)

    def cancel(self) -> None:
        self._event.set()
        with self._lock:
            loaders = list(self._loaders)
        for loader in loaders:
            with contextlib.suppress(Exception):  # a server already gone has nothing to stop
                loader.interrupt()


def produce(
    make: Callable[[int, int], Any],
    total: int,
    chunk_rows: int = CHUNK_ROWS,
    token: CancelToken | None = None,
) -> Iterator[tuple[int, int, Any]]:
    """(start, stop, payload) per chunk, rendered one chunk ahead in a thread. Raises
    Cancelled between chunks once the token is cancelled."""
    q: queue.Queue = queue.Queue(maxsize=2)
    stop_flag = threading.Event()

    def work() -> None:
        try:
            for start in range(0, total, chunk_rows):
                if stop_flag.is_set():
                    return
                stop = min(total, start + chunk_rows)
                q.put((start, stop, make(start, stop)))
            q.put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)

    thread = threading.Thread(target=work, name="arena-seed-producer", daemon=True)
    thread.start()
    try:
        while True:
            if token is not None:
                token.check()
            try:
                item = q.get(timeout=0.05)
            except queue.Empty:
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop_flag.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.05)
        thread.join()


class Loader:
    # Tables of one FK level loaded at once, each on its own connection.
    parallel_tables = 1

    def __init__(
        self,
        engine: Engine,
        endpoint: Endpoint,
        chunk_rows: int = CHUNK_ROWS,
        token: CancelToken | None = None,
    ) -> None:
        self.engine, self.endpoint, self.chunk_rows = engine, endpoint, chunk_rows
        self.token = token or CancelToken()
        self.conn = engine.connect(endpoint, autocommit=False)
        # True while the whole run is one transaction (a cycle of DEFERRABLE NOT NULL FKs
        # loaded by a user who may not turn FK checks off): commit() waits for release().
        self.held = False
        self.token.register(self)
        self.prepare()

    def prepare(self) -> None:
        """Session settings before loading."""

    # A second connection opened in advance for cancelling (MySQL), else None.
    control: Any = None

    def interrupt(self) -> None:
        """Abort the statement in flight (called from another thread on Ctrl-C), the way the
        engine cancels; the produce() loop also stops between chunks."""
        backend = self.engine.backend_id(self.conn)
        self.engine.cancel_statement(self.endpoint, self.conn, backend, control=self.control)

    def close(self) -> None:
        self.token.unregister(self)
        # Closing a broken connection must not mask the real error.
        with contextlib.suppress(Exception):
            self.conn.close()

    def name(self, table: Table) -> str:
        return self.engine.table_ref(table)

    def cols(self, columns: list[Column] | tuple[str, ...]) -> str:
        return ", ".join(self.engine.quote(c if isinstance(c, str) else c.name) for c in columns)

    @staticmethod
    def formatted(sql: str) -> str:
        """`sql` (identifiers included) made safe for a driver that %-formats parameters."""
        return sql.replace("%", "%%")

    def chunks(self, make: Callable[[int, int], Any], total: int):
        return produce(make, total, self.chunk_rows, self.token)

    # -- queries --------------------------------------------------------------------------
    def query(self, sql: str) -> list[tuple]:
        """Run one statement without parameters (identifiers may hold %, ? or :)."""
        cur = self.conn.cursor()
        cur.execute(sql)
        rows = cur.fetchall() if cur.description else []
        self.commit()
        return [tuple(r) for r in rows]

    def commit(self) -> None:
        """End the table's transaction, unless the run is held in one (see `held`)."""
        if not self.held:
            self.conn.commit()

    def release(self) -> None:
        """Commit a held run: the deferred FK checks run now."""
        self.held = False
        self.conn.commit()

    def offset(self, table: Table) -> int:
        """Where this run's row numbers start: after existing integer keys, or row count."""
        pk = table.primary_key
        if len(pk) == 1 and table.column(pk[0]).logical in ("smallint", "int", "bigint"):
            sql = f"SELECT MAX({self.engine.quote(pk[0])}) FROM {self.name(table)}"
        else:
            sql = f"SELECT COUNT(*) FROM {self.name(table)}"
        return int(self.query(sql)[0][0] or 0)

    def read_keys(
        self, table: Table, columns: tuple[str, ...], limit: int = 1_000_000
    ) -> list[Values]:
        """Existing keys of a parent not seeded in this run (ordered: deterministic)."""
        cols = self.cols(columns)
        rows = self.query(
            self.engine.limit(f"SELECT {cols} FROM {self.name(table)} ORDER BY {cols}", limit)
        )
        out = []
        for i, col in enumerate(columns):
            values = [r[i] for r in rows]
            logical = table.column(col).logical
            if logical in ("smallint", "int", "bigint") and all(isinstance(v, int) for v in values):
                import numpy as np

                out.append(Values("int", np.array(values, dtype=np.int64)))
            else:
                out.append(Values("str", [str(v) for v in values]))
        return out

    def truncate(self, tables: list[Table]) -> None:
        """Empty the tables (children first). Unnamed tables are never touched."""
        cur = self.conn.cursor()
        for table in reversed(tables):
            cur.execute(f"DELETE FROM {self.name(table)}")
        self.conn.commit()

    # -- loading --------------------------------------------------------------------------
    def load(self, tg: TableGen, progress: Progress) -> int:
        raise NotImplementedError

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        """Second pass of a cycle: UPDATE the FK columns to real parents, row by key."""
        table = tg.table
        mark = self.engine.placeholder
        sets = ", ".join(f"{self.engine.quote(c)} = {mark}" for c in fk.columns)
        where = " AND ".join(f"{self.engine.quote(c)} = {mark}" for c in table.primary_key)
        sql = f"UPDATE {self.name(table)} SET {sets} WHERE {where}"
        if self.engine.paramstyle == "format":
            sql = self.formatted(sql)
        cur = self.conn.cursor()
        try:
            for _start, _stop, (pk, fkv) in self.chunks(
                lambda a, b: tg.deferred_chunk(fk, a, b), tg.n
            ):
                fk_cols = [v.to_python(self.engine) for v in fkv]
                pk_cols = [v.to_python(self.engine) for v in pk]
                cur.executemany(sql, list(zip(*fk_cols, *pk_cols, strict=True)))
                progress(0)
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(
                table.name, f"second pass of {fk.name} failed: {error_text(exc)}"
            ) from exc
        except BaseException:
            self.conn.rollback()
            raise

    def allow_forward_references(self, cycle: Cycle = ()) -> str | None:
        """Make this load accept rows whose FK (one of `cycle`'s (table, fk)) points at a row
        loaded later (a cycle of NOT NULL FKs). None when done; else why this engine cannot."""
        return "arena has no way to turn off this engine's FK checks for a load"

    def end_forward_references(self) -> None:
        """After every table is loaded: turn back on what allow_forward_references turned
        off, checking the rows (raise LoadError naming the table when they fail)."""

    def reset_identity(self, table: Table) -> None:
        """Move the table's sequence past the explicit ids."""

    # -- filtered loads (arena/seed/loaders/filtered.py) ----------------------------------
    param_mark = "%s"  # the driver's placeholder

    def begin(self) -> None:
        """Open the transaction (drivers that do not begin one implicitly)."""

    def insert_values_prefix(self, table: Table) -> str:
        """Words between the column list and VALUES (PostgreSQL: OVERRIDING SYSTEM VALUE)."""
        return ""

    def create_stage(self, table: Table, row_column: str) -> str | None:
        """A temporary, constraint-free copy of `table` plus an integer `row_column`, on
        this connection: its name, or None when the engine has none (row by row then)."""
        return None

    def drop_stage(self, stage: str | None) -> None:
        """Drop what create_stage made (engines that drop it at commit need nothing)."""

    def python_redrawn(self, tg: TableGen, rows: list[int], attempt: int) -> list[tuple]:
        chunk = tg.redrawn(rows, attempt)
        columns = [chunk[c.name].to_python(self.engine) for c in tg.columns]
        return list(zip(*columns, strict=True))

    def python_rows(self, tg: TableGen, start: int, stop: int) -> list[tuple]:
        chunk = tg.chunk(start, stop)
        columns = [chunk[c.name].to_python(self.engine) for c in tg.columns]
        return list(zip(*columns, strict=True))

    def text_payload(self, tg: TableGen, start: int, stop: int) -> bytes:
        chunk = tg.chunk(start, stop)
        return encode_tsv([chunk[c.name].to_text(self.engine, c.logical) for c in tg.columns])


def identity_columns(table: Table) -> list[Column]:
    return [
        c for c in table.columns if c.identity or (c.default or "").lower().startswith("nextval(")
    ]
