"""SQL Server: pyodbc fast_executemany in chunks, IDENTITY_INSERT on for identity tables.

Not run live here (no server obtainable); its T-SQL is checked by parsing with sqlglot.
"""

from __future__ import annotations

from arena.engines.base import Engine, error_text
from arena.schema import Column, Table
from arena.seed.loaders.base import Cycle, Loader, LoadError, Progress, identity_columns
from arena.seed.table import TableGen


class SqlServerLoader(Loader):
    cycle: Cycle = ()

    def allow_forward_references(self, cycle: Cycle = ()) -> str | None:
        """NOCHECK the cycle's FKs for the load; end_forward_references turns them back on
        WITH CHECK, which validates every row (and keeps the FKs trusted)."""
        disable, _ = nocheck_statements(self.engine, cycle)
        cur = self.conn.cursor()
        for sql in disable:
            cur.execute(sql)
        self.conn.commit()
        self.cycle = cycle
        return None

    def end_forward_references(self) -> None:
        _, enable = nocheck_statements(self.engine, self.cycle)
        cur = self.conn.cursor()
        for (table, _), sql in zip(self.cycle, enable, strict=True):
            try:
                cur.execute(sql)
                self.conn.commit()
            except self.engine.driver_errors() as exc:
                self.conn.rollback()
                raise LoadError(
                    table.name, f"its FK check after the load: {error_text(exc)}"
                ) from exc
        self.cycle = ()

    def load(self, tg: TableGen, progress: Progress) -> int:
        before, insert, after = sqlserver_statements(self.engine, tg.table, tg.columns)
        cur = self.conn.cursor()
        cur.fast_executemany = True  # parameter arrays: one round trip per chunk
        loaded = 0
        try:
            for sql in before:
                cur.execute(sql)
            for start, stop, rows in self.chunks(lambda a, b: self.python_rows(tg, a, b), tg.n):
                cur.executemany(insert, rows)
                loaded += stop - start
                progress(stop - start)
            for sql in after:
                cur.execute(sql)
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(tg.name, error_text(exc)) from exc
        except BaseException:
            self.conn.rollback()
            raise
        return loaded

    def truncate(self, tables: list[Table]) -> None:
        cur = self.conn.cursor()
        for table in reversed(tables):
            cur.execute(f"DELETE FROM {self.name(table)}")
            if identity_columns(table):
                cur.execute(f"DBCC CHECKIDENT ({self.engine.literal(self.name(table))}, RESEED, 0)")
        self.conn.commit()


def sqlserver_statements(
    engine: Engine, table: Table, columns: list[Column]
) -> tuple[list[str], str, list[str]]:
    """(before, insert, after) T-SQL for one table's load. IDENTITY_INSERT lets explicit ids
    in (https://learn.microsoft.com/sql/t-sql/statements/set-identity-insert-transact-sql);
    CHECKIDENT moves the identity past them."""
    name = engine.table_ref(table)
    cols = ", ".join(engine.quote(c.name) for c in columns)
    insert = f"INSERT INTO {name} ({cols}) VALUES ({', '.join(['?'] * len(columns))})"
    if not any(c.identity for c in columns):
        return [], insert, []
    return (
        [f"SET IDENTITY_INSERT {name} ON"],
        insert,
        [f"SET IDENTITY_INSERT {name} OFF", f"DBCC CHECKIDENT ({engine.literal(name)}, RESEED)"],
    )


def nocheck_statements(engine: Engine, cycle: Cycle) -> tuple[list[str], list[str]]:
    """(before, after) T-SQL for a NOT NULL FK cycle: NOCHECK CONSTRAINT, then WITH CHECK
    CHECK CONSTRAINT, which checks the existing rows too
    (https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql)."""
    before, after = [], []
    for table, fk in cycle:
        name, constraint = engine.table_ref(table), engine.quote(fk.name)
        before.append(f"ALTER TABLE {name} NOCHECK CONSTRAINT {constraint}")
        after.append(f"ALTER TABLE {name} WITH CHECK CHECK CONSTRAINT {constraint}")
    return before, after
