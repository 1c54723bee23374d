"""Tables with a CHECK arena cannot solve: generate, and keep only what the engine accepts.

Per batch, on a staging copy: the rows go into a constraint-free temporary copy of the
table (Loader.create_stage), the engine evaluates the unsolved CHECKs over it in one query
(`WHERE NOT (check)`: NULL passes, as in a CHECK), refused rows are redrawn (key and
foreign-key columns kept, so children's references stay valid; every other column drawn
from another row number) up to REDRAWS times, the rest discarded and counted, and the
survivors move to the table with INSERT ... SELECT. A batch the table still refuses (or an
engine without a stage) goes row by row, each row in a savepoint. When no row at all passes,
the table fails naming the CHECK.
"""

from __future__ import annotations

from typing import Any

from arena.engines.base import error_text
from arena.errors import ErrorKind
from arena.seed.loaders.base import Loader, LoadError, Progress
from arena.seed.table import TableGen

BATCH = 2000
REDRAWS = 8
ROW_NUMBER = "arena_row"  # the stage's extra column: which generated row a row is


class _Filter:
    def __init__(self, loader: Loader, tg: TableGen) -> None:
        self.loader, self.tg, self.engine = loader, tg, loader.engine
        self.cur = loader.conn.cursor()
        self.cols = loader.cols(tg.columns)
        self.table = loader.name(tg.table)
        self.insert = self._insert_sql(
            self.table, len(tg.columns), loader.insert_values_prefix(tg.table)
        )
        self.last_error = ""
        self.stage: str | None = None

    def _insert_sql(self, table: str, count: int, prefix: str = "", extra: str = "") -> str:
        marks = ", ".join([self.loader.param_mark] * count)
        head = f"INSERT INTO {table} ({self.cols}{extra}) {prefix}VALUES ("
        if self.loader.param_mark == "%s":  # the driver %-formats: identifiers' % doubled
            head = self.loader.formatted(head)
        return f"{head}{marks})"

    def savepoint(self, run) -> str | None:
        """Run `run()` inside a savepoint: None when it worked, else the CHECK's error text
        (anything but a CHECK violation stops the table)."""
        self.cur.execute("SAVEPOINT arena_filter")
        try:
            run()
        except self.engine.driver_errors() as exc:
            self.loader.token.check()
            self.cur.execute("ROLLBACK TO SAVEPOINT arena_filter")
            if self.engine.classify_error(exc) != ErrorKind.CHECK:
                raise LoadError(self.tg.name, error_text(exc)) from exc
            self.last_error = error_text(exc)
            return self.last_error
        self.cur.execute("RELEASE SAVEPOINT arena_filter")
        return None

    # -- row by row ---------------------------------------------------------------------
    def rows_one_by_one(self, start: int, rows: list[tuple]) -> tuple[int, int]:
        loaded = discarded = 0
        for i, row in enumerate(rows):
            for k in range(REDRAWS + 1):
                values = row if k == 0 else self.loader.python_redrawn(self.tg, [start + i], k)[0]
                if self.savepoint(lambda v=values: self.cur.execute(self.insert, v)) is None:
                    loaded += 1
                    break
            else:
                discarded += 1
        return loaded, discarded

    # -- staged ---------------------------------------------------------------------------
    def staged(self, start: int, rows: list[tuple]) -> tuple[int, int] | None:
        """(loaded, discarded) of one batch through the stage; None when the batch must go
        row by row instead (the table refused what the stage let through)."""
        stage, cur = self.stage, self.cur
        numbered = [(*row, start + i) for i, row in enumerate(rows)]
        cur.executemany(self._stage_insert, numbered)
        refused = self._refused()
        for k in range(1, REDRAWS + 1):
            if not refused:
                break
            self._delete(refused)
            redrawn = self.loader.python_redrawn(self.tg, refused, k)
            again = [(*values, r) for values, r in zip(redrawn, refused, strict=True)]
            cur.executemany(self._stage_insert, again)
            refused = self._refused()
        self._delete(refused)
        move = f"INSERT INTO {self.table} ({self.cols}) SELECT {self.cols} FROM {stage}"
        failed = self.savepoint(lambda: cur.execute(move))
        cur.execute(f"DELETE FROM {stage}")
        if failed is not None:
            return None
        return len(rows) - len(refused), len(refused)

    def open_stage(self) -> None:
        self.stage = self.loader.create_stage(self.tg.table, ROW_NUMBER)
        if self.stage is not None:
            quoted = self.engine.quote(ROW_NUMBER)
            self._stage_insert = self._insert_sql(
                self.stage, len(self.tg.columns) + 1, extra=f", {quoted}"
            )
            checks = " AND ".join(f"({u.check.expression})" for u in self.tg.unsolved)
            self._refused_sql = f"SELECT {quoted} FROM {self.stage} WHERE NOT ({checks})"

    def _refused(self) -> list[int]:
        self.cur.execute(self._refused_sql)
        return sorted(int(r[0]) for r in self.cur.fetchall())

    def _delete(self, numbers: list[int]) -> None:
        quoted = self.engine.quote(ROW_NUMBER)
        for i in range(0, len(numbers), 500):
            part = ", ".join(str(n) for n in numbers[i : i + 500])
            self.cur.execute(f"DELETE FROM {self.stage} WHERE {quoted} IN ({part})")


def load_filtered(loader: Loader, tg: TableGen, progress: Progress) -> tuple[int, int]:
    """(rows loaded, rows discarded) of `tg` through `loader`'s connection, one transaction."""
    work = _Filter(loader, tg)
    loaded = discarded = 0
    loader.begin()
    try:
        guarded(work, work.open_stage)
        for start in range(0, tg.n, BATCH):
            loader.token.check()
            rows = loader.python_rows(tg, start, min(tg.n, start + BATCH))
            done: Any = None
            if work.stage is not None:
                done = guarded(work, lambda start=start, rows=rows: work.staged(start, rows))
            if done is None:
                done = work.rows_one_by_one(start, rows)
            loaded, discarded = loaded + done[0], discarded + done[1]
            progress(len(rows))
        if loaded == 0:
            why = work.last_error or f"CHECK {', '.join(u.check.name for u in tg.unsolved)}"
            raise LoadError(
                tg.name,
                f"the engine refused every generated row ({why})",
                "Configure generators for the columns its CHECK mentions in a seeds YAML "
                "(--config), and arena will trust them.",
            )
        loader.drop_stage(work.stage)
        loader.commit()
    except BaseException:
        loader.conn.rollback()
        raise
    return loaded, discarded


def guarded(work: _Filter, run) -> Any:
    """`run()` inside a savepoint; if the engine refuses the stage itself (a type the
    driver cannot bind into it, DDL it does not allow here), the table goes row by row."""
    work.cur.execute("SAVEPOINT arena_stage")
    try:
        result = run()
    except work.engine.driver_errors():
        work.loader.token.check()
        work.cur.execute("ROLLBACK TO SAVEPOINT arena_stage")
        work.stage = None
        return None
    work.cur.execute("RELEASE SAVEPOINT arena_stage")
    return result
