"""SQLite: executemany in one transaction per table."""

from __future__ import annotations

from arena.engines.base import error_text
from arena.schema import ForeignKey, Table
from arena.seed.loaders.base import Cycle, Loader, LoadError, Progress
from arena.seed.table import TableGen


class SQLiteLoader(Loader):
    def prepare(self) -> None:
        self.conn.isolation_level = None  # explicit BEGIN/COMMIT below

    param_mark = "?"

    def begin(self) -> None:
        self.conn.execute("BEGIN")  # isolation_level None: no implicit transactions

    def create_stage(self, table: Table, row_column: str) -> str | None:
        self.conn.execute("DROP TABLE IF EXISTS temp.arena_stage")
        self.conn.execute(
            f"CREATE TEMP TABLE arena_stage AS SELECT *, 0 AS {self.engine.quote(row_column)} "
            f"FROM {self.name(table)} WHERE 0"
        )
        return "temp.arena_stage"

    def drop_stage(self, stage: str | None) -> None:
        if stage is not None:
            self.conn.execute(f"DROP TABLE IF EXISTS {stage}")

    def allow_forward_references(self, cycle: Cycle = ()) -> str | None:
        # Outside a transaction (the loads open their own); verify.py counts orphans after.
        # https://www.sqlite.org/pragma.html#pragma_foreign_keys
        self.conn.execute("PRAGMA foreign_keys = OFF")
        return None

    def query(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]

    def truncate(self, tables: list[Table]) -> None:
        self.conn.execute("BEGIN")
        for table in reversed(tables):
            self.conn.execute(f"DELETE FROM {self.name(table)}")
        self.conn.execute("COMMIT")

    def load(self, tg: TableGen, progress: Progress) -> int:
        marks = ", ".join(["?"] * len(tg.columns))
        sql = f"INSERT INTO {self.name(tg.table)} ({self.cols(tg.columns)}) VALUES ({marks})"
        loaded = 0
        self.conn.execute("BEGIN")
        try:
            for start, stop, rows in self.chunks(lambda a, b: self.python_rows(tg, a, b), tg.n):
                try:
                    self.conn.executemany(sql, rows)
                except self.engine.driver_errors() as exc:
                    self.token.check()  # interrupted: not a row's fault
                    row = self._failing_row(sql, rows)
                    where = f" at row {start + row + 1}" if row is not None else ""
                    raise LoadError(tg.name, f"{error_text(exc)}{where}") from exc
                loaded += stop - start
                progress(stop - start)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return loaded

    def _failing_row(self, sql: str, rows: list[tuple]) -> int | None:
        """executemany stops at the failing row but does not say which: find it inside a
        savepoint that is rolled back."""
        self.conn.execute("SAVEPOINT arena_probe")
        try:
            for i, row in enumerate(rows):
                try:
                    self.conn.execute(sql, row)
                except self.engine.driver_errors():
                    return i
            return None
        finally:
            self.conn.execute("ROLLBACK TO arena_probe")
            self.conn.execute("RELEASE arena_probe")

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        self.conn.execute("BEGIN")
        try:
            table = tg.table
            sets = ", ".join(f"{self.engine.quote(c)} = ?" for c in fk.columns)
            where = " AND ".join(f"{self.engine.quote(c)} = ?" for c in table.primary_key)
            sql = f"UPDATE {self.name(table)} SET {sets} WHERE {where}"
            for _, _, (pk, fkv) in self.chunks(lambda a, b: tg.deferred_chunk(fk, a, b), tg.n):
                cols = [v.to_python(self.engine) for v in (*fkv, *pk)]
                self.conn.executemany(sql, list(zip(*cols, strict=True)))
            self.conn.execute("COMMIT")
        except self.engine.driver_errors() as exc:
            self.conn.execute("ROLLBACK")
            raise LoadError(tg.name, f"second pass of {fk.name} failed: {error_text(exc)}") from exc
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
