"""Engine hooks for what measures an engine: bench, load, its drivers, pgvector, reports.

A mixin of arena.engines.base.Engine, kept apart only so each module stays small; every
hook is documented here once, with its default, and overridden in the engine modules.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any, ClassVar

from arena.errors import ArenaError

if TYPE_CHECKING:
    from collections.abc import Iterator


class MeasurementHooks:
    """Mixed into Engine, whose `driver`, `display_name` and `driver_errors()` it uses."""

    # -- bench hooks (arena/bench/: plans, sizes, streaming, bulk path, transactions) ------
    # Read by `arena bench`; each hook is documented here once, with its default.

    # Prefix that turns a SELECT into its plan, as rows of text (or one JSON document).
    explain_prefix: ClassVar[str] = "EXPLAIN "
    # What the engine's fastest client-side load path is called in reports.
    bulk_path_name: ClassVar[str] = "executemany"
    # Statements that open and close an explicit transaction on an autocommit session.
    begin_sql: ClassVar[str] = "BEGIN"
    # Empties a table without logging each row; {table} is the quoted table.
    truncate_template: ClassVar[str] = "TRUNCATE TABLE {table}"
    # A rough on-disk cost of one narrow row with its indexes, used to refuse a scale the
    # free disk cannot hold before anything is written.
    bytes_per_row_estimate: ClassVar[int] = 120
    # How a recursive CTE opens (SQL Server has no RECURSIVE keyword).
    recursive_with: ClassVar[str] = "WITH RECURSIVE"

    def explain(self, conn: Any, select: str) -> str:
        """The engine's plan for `select`, as text (JSON where the engine offers it)."""
        cur = conn.cursor()
        cur.execute(self.explain_prefix + select)
        return "\n".join(" | ".join(str(v) for v in row) for row in cur.fetchall())

    def plan_verdict(self, plan: str) -> str:
        """ "index" when the plan reads the table through an index, "scan" when it reads
        every row (a full index scan counts as a scan), "unknown" otherwise."""
        return "unknown"

    def relation_size(self, conn: Any, tables: list[str]) -> int | None:
        """Bytes on disk of `tables` (data and indexes); None when the engine cannot say."""
        return None

    def stream_rows(self, conn: Any, select: str, batch: int = 2000) -> Iterator[tuple]:
        """Rows of `select` fetched as they come (server-side cursor / unbuffered), never
        all held by the client at once."""
        cur = conn.cursor()
        cur.execute(select)
        while rows := cur.fetchmany(batch):
            yield from rows

    def bulk_insert(self, conn: Any, table_sql: str, columns: list[str], rows: list[tuple]) -> None:
        """Load `rows` through the engine's bulk path (see bulk_path_name)."""
        cols = ", ".join(self.quote(c) for c in columns)
        marks = ", ".join([self.placeholder] * len(columns))
        cur = conn.cursor()
        cur.executemany(f"INSERT INTO {table_sql} ({cols}) VALUES ({marks})", rows)

    def lock_timeout_sql(self, seconds: float) -> list[str]:
        """Statements making this session give up on a lock after `seconds`."""
        return []

    def create_table_as_sql(self, table_sql: str, select: str) -> str:
        """A new table holding the rows of `select` (no keys or indexes are copied)."""
        return f"CREATE TABLE {table_sql} AS {select}"

    # -- load hooks (arena/load: generated operations, statement checks) ----------------
    # The VALUES part of an INSERT of a row made only of column defaults.
    default_row_values: ClassVar[str] = "DEFAULT VALUES"

    def insert_sql(
        self, table_ref: str, columns: list[str], return_key: str | None, ignore_conflicts: bool
    ) -> str:
        """INSERT of one row of placeholders into `table_ref` (columns already quoted).
        `return_key` (a quoted column) is handed back when capabilities.returning says the
        engine can; with `ignore_conflicts` a duplicate unique key is skipped where the engine
        can (insert_ignore_verb / insert_ignore_clause), else the insert fails as usual."""
        returning = f" RETURNING {return_key}" if return_key else ""
        if not columns:
            return f"INSERT INTO {table_ref} {self.default_row_values}{returning}"
        head = self.insert_ignore_verb if ignore_conflicts else "INSERT INTO"
        conflict = self.insert_ignore_clause if ignore_conflicts else ""
        values = ", ".join(self.placeholder for _ in columns)
        return f"{head} {table_ref} ({', '.join(columns)}) VALUES ({values}){conflict}{returning}"

    def check_statement_sql(self, statement: str) -> str:
        """A statement that makes the server parse and plan `statement` (tables and columns
        resolved, nothing executed), used to refuse a custom mix that can never run."""
        return f"EXPLAIN {statement}"

    # -- vector hooks (arena/vectors/, arena/rls/, vector(n) seeds): pgvector is detected live
    vector_operators: ClassVar[dict[str, str]] = {}  # metric (l2, cosine, ip) -> operator
    vector_enable_sql: ClassVar[tuple[str, ...]] = ()  # makes the type usable in this database
    vector_index_max_dim: ClassVar[int] = 0  # largest dimension HNSW / IVFFlat accept
    supabase_roles: ClassVar[bool] = False  # anon, authenticated, service_role, auth.uid()

    def has_pgvector(self, conn: Any) -> bool:
        return False

    def vector_literal(self, values: Any) -> str:  # bound as `%s::vector`, or in COPY text
        return "[" + ",".join(f"{float(v):.9g}" for v in values) + "]"  # float32 exactly

    def vector_index_sql(self, kind: str, index: str, table_sql: str, column: str,
                         metric: str, params: dict) -> str:  # fmt: skip
        """CREATE INDEX for approximate search, kind "hnsw" | "ivfflat"."""
        raise NotImplementedError(f"{self.display_name} has no vector indexes")

    def vector_search_sql(self, kind: str, params: dict) -> list[str]:
        return []  # session settings of an approximate search (ef_search, probes)

    # -- mysql driver hooks (arena/load/drivers/: the module `arena load`'s users run on) ----
    # The load's hot path may use a faster module than `driver` (which everything else
    # uses): the first of `load_drivers` that imports serves, `driver` when none is listed.
    # The environment variable named by `load_driver_env` picks one of them by name (to
    # compare drivers, or to force the fallback); a name not listed, or not installed, is
    # refused before anything starts.
    load_drivers: ClassVar[tuple[str, ...]] = ()
    load_driver_env: ClassVar[str] = ""

    def load_driver(self) -> str:
        """The DB-API module `arena load`'s users connect with (see load_drivers)."""
        candidates = self.load_drivers or (self.driver,)
        wanted = os.environ.get(self.load_driver_env, "").strip() if self.load_driver_env else ""
        if wanted:
            if wanted not in candidates:
                raise ArenaError(
                    f"{self.load_driver_env}={wanted} is not a load driver for "
                    f"{self.display_name}.",
                    f"Use one of: {', '.join(candidates)} (or unset it: the first installed).",
                )
            if not _importable(wanted):
                raise ArenaError(
                    f"{self.load_driver_env}={wanted}, but the {wanted} package cannot be "
                    "imported here.",
                    f"Install it (`pip install {wanted}`) or pick another of: "
                    f"{', '.join(candidates)}.",
                )
            return wanted
        return next((name for name in candidates if _importable(name)), self.driver)

    # -- report hooks (arena/history/: a recorded run's environment and resources) -------
    # Server settings are read by read_settings (variants hooks, base.py): one reader.
    # One value each: sessions on this database now; its bytes on disk ("": cannot say).
    connections_sql: ClassVar[str] = ""
    database_size_sql: ClassVar[str] = ""


def _importable(module: str) -> bool:
    """The module imports (installed, and its C library loads)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
