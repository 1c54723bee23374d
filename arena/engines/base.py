"""The Engine base class: everything engines share, and every flag documented once.

An engine module declares how it differs, mostly as class attributes (the sqlglot pattern).
Behaviour is overridden only where it truly differs: connecting, the readiness probe, the
native server's init/start commands, bulk loading and catalog queries.
"""

from __future__ import annotations

import importlib
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from arena.errors import QueryError

if TYPE_CHECKING:
    from arena.models import Endpoint
    from arena.runtime.native import NativeContext


@dataclass(frozen=True, slots=True)
class Capabilities:
    """SQL features a workload or scenario may depend on; checked before a step runs."""

    cte: bool = True  # WITH ... AS (...)
    recursive_cte: bool = True  # WITH RECURSIVE (hierarchies, graph walks)
    window_functions: bool = True  # OVER (PARTITION BY ...)
    returning: bool = False  # INSERT ... RETURNING / OUTPUT inserted.*
    skip_locked: bool = False  # SELECT ... FOR UPDATE SKIP LOCKED (job queues)
    savepoints: bool = True  # SAVEPOINT / ROLLBACK TO
    isolation_levels: tuple[str, ...] = ("READ COMMITTED", "SERIALIZABLE")
    json: bool = False  # a native JSON type with operators
    vector: bool = False  # a vector type (pgvector on Supabase)
    upsert: bool = True  # ON CONFLICT / ON DUPLICATE KEY / MERGE
    deferrable_fks: bool = False  # FK checks can be deferred to commit (seeding cycles)


# Logical column types used by arena's schemas, mapped per engine in TYPE_NAMES.
LOGICAL_TYPES = (
    "smallint", "int", "bigint", "decimal", "float", "bool", "char", "varchar", "text",
    "date", "time", "timestamp", "timestamptz", "json", "uuid", "blob",
)  # fmt: skip


class Engine:
    """One database engine. Subclasses are mostly data."""

    name: ClassVar[str]  # registry key, lower-case
    display_name: ClassVar[str]
    family: ClassVar[str]  # "postgres" | "mysql" | "sqlserver" | "sqlite": shared SQL dialect
    sqlglot_dialect: ClassVar[str]  # the dialect sqlglot parses this engine's SQL with

    # Which runtimes can host it at all (a runtime may still be unavailable on this machine).
    runtimes: ClassVar[tuple[str, ...]] = ("docker", "native")

    # Container contract (used by the docker runtime and compose/<name>.yml).
    default_image: ClassVar[str | None] = None
    default_port: ClassVar[int | None] = None
    default_user: ClassVar[str] = "arena"
    default_database: ClassVar[str] = "arena"

    # Dialect data.
    identifier_quotes: ClassVar[tuple[str, str]] = ('"', '"')
    paramstyle: ClassVar[str] = "format"  # DB-API paramstyle: "format" (%s) or "qmark" (?)
    type_names: ClassVar[dict[str, str]] = {}
    capabilities: ClassVar[Capabilities] = Capabilities()
    # How a SELECT is cut to N rows: "limit" (LIMIT n) or "fetch" (OFFSET 0 ROWS FETCH NEXT n
    # ROWS ONLY, which needs an ORDER BY: SQL Server has no LIMIT).
    row_limit_style: ClassVar[str] = "limit"
    # String literals with non-ASCII text need a national prefix on SQL Server (N'...').
    string_literal_prefix: ClassVar[str] = ""
    # MySQL reads a backslash in a string literal as an escape unless NO_BACKSLASH_ESCAPES.
    backslash_escapes: ClassVar[bool] = False

    # Driver: the DB-API module arena connects with.
    driver: ClassVar[str] = ""
    version_query: ClassVar[str] = "SELECT version()"

    # Native runtime: binary role -> candidate names, where to look besides PATH, and what
    # to install when they are missing.
    native_binaries: ClassVar[dict[str, tuple[str, ...]]] = {}
    native_search_dirs: ClassVar[tuple[str, ...]] = ()
    native_install_hint: ClassVar[str] = ""
    native_stop_signal: ClassVar[int] = signal.SIGTERM
    # Seconds a first start may take (initialisation included) before readiness fails.
    start_timeout: ClassVar[float] = 60.0

    # -- dialect ------------------------------------------------------------------------
    def quote(self, identifier: str) -> str:
        """Quote an identifier read from a catalog: never trust it to be a plain word."""
        open_, close = self.identifier_quotes
        return f"{open_}{identifier.replace(close, close * 2)}{close}"

    def qualified(self, *parts: str) -> str:
        return ".".join(self.quote(p) for p in parts if p)

    def table_ref(self, table: Any) -> str:
        """A table (anything with .schema and .name, e.g. arena.schema.Table), quoted and
        qualified by its schema when it has one."""
        return self.qualified(getattr(table, "schema", None) or "", table.name)

    def literal(self, value: Any) -> str:
        """A SQL literal for a value arena generated or read back: NULL, numbers as written,
        booleans as the engine's own, text quoted with doubled quotes."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return self.boolean_literal(value)
        if isinstance(value, int | float):
            return repr(value)
        text = str(value)
        if self.backslash_escapes:
            text = text.replace("\\", "\\\\")
        return f"{self.string_literal_prefix}'{text.replace(chr(39), chr(39) * 2)}'"

    def boolean_literal(self, value: bool) -> str:
        return "TRUE" if value else "FALSE"

    def limit(self, select: str, n: int) -> str:
        """`select` cut to its first `n` rows (it must end in ORDER BY for the "fetch" style)."""
        if self.row_limit_style == "fetch":
            return f"{select} OFFSET 0 ROWS FETCH NEXT {int(n)} ROWS ONLY"
        return f"{select} LIMIT {int(n)}"

    @property
    def placeholder(self) -> str:
        return "?" if self.paramstyle == "qmark" else "%s"

    def type_name(self, logical: str, length: int | None = None, scale: int | None = None) -> str:
        template = self.type_names[logical]
        if "{" in template:
            return template.format(length=length or 255, precision=length or 12, scale=scale or 2)
        return template

    # -- driver -------------------------------------------------------------------------
    def driver_module(self) -> Any:
        return importlib.import_module(self.driver)

    def connect(self, endpoint: Endpoint, **options: Any) -> Any:
        """A new DB-API connection to the endpoint (autocommit unless told otherwise)."""
        raise NotImplementedError

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        return (self.driver_module().Error,)

    def server_version(self, conn: Any) -> str:
        cur = conn.cursor()
        cur.execute(self.version_query)
        return str(cur.fetchone()[0]).splitlines()[0].strip()

    def probe(self, endpoint: Endpoint) -> str:
        """Readiness: open a real connection, ask the server its version, close."""
        conn = self.connect(endpoint, connect_timeout=3)
        try:
            return self.server_version(conn)
        finally:
            conn.close()

    def execute(self, endpoint: Endpoint, sql: str) -> tuple[list[str], list[tuple]]:
        """Run one statement; return (column names, rows). Server errors become QueryError."""
        conn = self.connect(endpoint)
        try:
            cur = conn.cursor()
            try:
                cur.execute(sql)
            except self.driver_errors() as exc:
                raise QueryError(
                    f"{self.display_name} rejected the statement: {error_text(exc)}",
                    "Check the SQL against this engine's dialect.",
                ) from exc
            if cur.description is None:
                conn.commit()
                return [], []
            columns = [d[0] for d in cur.description]
            return columns, [tuple(r) for r in cur.fetchall()]
        finally:
            conn.close()

    # -- container contract -------------------------------------------------------------
    def container_env(self, user: str, password: str, database: str) -> dict[str, str]:
        return {}

    # -- native runtime hooks (see arena/runtime/native.py) ------------------------------
    def native_initialize(self, ctx: NativeContext) -> None:
        raise NotImplementedError

    def native_command(self, ctx: NativeContext) -> list[str]:
        raise NotImplementedError

    def native_ready(self, ctx: NativeContext) -> str:
        """Readiness probe while starting (before bootstrap the project's user may not exist)."""
        return self.probe(ctx.endpoint)

    def native_bootstrap(self, ctx: NativeContext) -> None:
        """After the first start: create the project's database and user."""

    # -- load hooks (arena/load: generated operations, statement checks) ----------------
    # How an INSERT yields to an existing row with the same unique key instead of failing:
    # "on_conflict" (... ON CONFLICT DO NOTHING), "ignore" (INSERT IGNORE INTO ...), or ""
    # (it does not: the insert fails and is counted as an error).
    insert_ignore_style: ClassVar[str] = ""
    # The VALUES part of an INSERT of a row made only of column defaults.
    default_row_values: ClassVar[str] = "DEFAULT VALUES"

    def insert_sql(
        self, table_ref: str, columns: list[str], return_key: str | None, ignore_conflicts: bool
    ) -> str:
        """INSERT of one row of placeholders into `table_ref` (columns already quoted).
        `return_key` (a quoted column) is handed back when capabilities.returning says the
        engine can; `ignore_conflicts` follows insert_ignore_style."""
        style = self.insert_ignore_style if ignore_conflicts else ""
        returning = f" RETURNING {return_key}" if return_key else ""
        if not columns:
            return f"INSERT INTO {table_ref} {self.default_row_values}{returning}"
        head = "INSERT IGNORE INTO" if style == "ignore" else "INSERT INTO"
        conflict = " ON CONFLICT DO NOTHING" if style == "on_conflict" else ""
        values = ", ".join(self.placeholder for _ in columns)
        return f"{head} {table_ref} ({', '.join(columns)}) VALUES ({values}){conflict}{returning}"

    def explain(self, statement: str) -> str:
        """A statement that makes the server parse and plan `statement` (tables and columns
        resolved, nothing executed), used to refuse a custom mix that can never run."""
        return f"EXPLAIN {statement}"

    def __repr__(self) -> str:
        return f"<Engine {self.name}>"


def error_text(exc: BaseException) -> str:
    """The server's own message, without driver noise, on one line."""
    args = getattr(exc, "args", ())
    # PyMySQL: (code, message); psycopg/sqlite: message; pyodbc: (sqlstate, message)
    if len(args) >= 2 and isinstance(args[1], str):
        text = f"{args[1]} ({args[0]})"
    else:
        text = str(exc)
    return " ".join(text.split())
