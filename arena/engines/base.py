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

from arena.engines.measurement_hooks import MeasurementHooks
from arena.errors import ArenaError, ErrorKind, QueryError

if TYPE_CHECKING:
    from arena.engines.native_context import NativeContext
    from arena.engines.transactions import TransactionRules
    from arena.models import Endpoint


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


class Engine(MeasurementHooks):
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
    # String literals with non-ASCII text need a national prefix on SQL Server (N'...'); ASCII
    # text goes without, as SQL Server stores CHECK text verbatim and arena's CHECK analyzer
    # reads plain literals back.
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
        prefix = self.string_literal_prefix if not text.isascii() else ""
        return f"{prefix}'{text.replace(chr(39), chr(39) * 2)}'"

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
            scale = 2 if scale is None else scale  # decimal(10,0) keeps its 0
            return template.format(length=length or 255, precision=length or 12, scale=scale)
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
        """Run exactly one statement; return (column names, rows). Every engine refuses an
        empty text or several statements before running any of them (see
        `single_statement_options`); server errors become QueryError."""
        count = self.statement_count(sql)
        if count == 0:
            raise QueryError(
                "No SQL statement given: the text is empty.", 'Pass one statement, e.g. "SELECT 1".'
            )
        conn = self.connect(endpoint)
        try:
            cur = conn.cursor()
            try:
                cur.execute(sql, **self.single_statement_options)
            except self.driver_errors() as exc:
                if count > 1:
                    raise QueryError(
                        f"{self.display_name} runs one statement at a time; this text holds "
                        f"{count}, so nothing was run.",
                        "Send each statement on its own.",
                    ) from exc
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

    # -- cli hooks (one statement per `execute`) ------------------------------------------
    # Keyword arguments for cursor.execute that make the driver or the server refuse a text
    # holding several statements before running any of them. PyMySQL (no MULTI_STATEMENTS
    # flag) and sqlite3 refuse on their own; psycopg's simple-query protocol would run them
    # all and return the first result only, so PostgreSQL prepares the text instead.
    single_statement_options: ClassVar[dict[str, Any]] = {}

    def statement_count(self, sql: str) -> int:
        """How many statements `sql` holds, split at semicolons by sqlglot's tokenizer for
        this dialect (quotes, comments and dollar-quoted bodies understood). It words errors
        and catches an empty text; the server decides everything else, so a text the
        tokenizer cannot read counts as one statement."""
        from sqlglot.dialects.dialect import Dialect
        from sqlglot.errors import SqlglotError
        from sqlglot.tokens import TokenType

        try:
            tokens = Dialect.get_or_raise(self.sqlglot_dialect).tokenize(sql)
        except SqlglotError:
            return 1
        count, pending = 0, False
        for token in tokens:
            if token.token_type == TokenType.SEMICOLON:
                count, pending = count + pending, False
            else:
                pending = True
        return count + pending

    # -- container contract -------------------------------------------------------------
    def container_env(self, user: str, password: str, database: str) -> dict[str, str]:
        return {}

    # -- runtime hooks (arena/runtime/native.py, arena/runtime/docker.py) ----------------
    # The database a readiness probe logs in to before arena's own exists (None: arena's,
    # which the image's environment contract creates).
    ready_database: ClassVar[str | None] = None

    def container_bootstrap(self, endpoint: Endpoint) -> None:
        """After a container first answers: what the image's environment contract does not
        do (create the database, roles; close accounts that need no password). Idempotent:
        it runs at every start."""

    def native_initialize(self, ctx: NativeContext) -> None:
        """Create a complete data directory in ctx.data_dir (a temporary directory the
        runtime renames once this returns, so a failed initialisation leaves nothing
        half-made). No account may be reachable over TCP without ctx.password."""
        raise NotImplementedError

    def native_command(self, ctx: NativeContext) -> list[str]:
        raise NotImplementedError

    def native_ready(self, ctx: NativeContext) -> str:
        """Readiness probe while starting (before bootstrap the project's user may not exist)."""
        return self.probe(ctx.endpoint)

    def native_bootstrap(self, ctx: NativeContext) -> None:
        """After every start, idempotent: create the project's database (and roles) if
        missing."""

    # -- domains hooks (DDL rendering, transactions, isolation, error classification) ----
    # Read by arena/domains/ (the DDL renderer never compares engine names) and by the
    # workloads that run transactions. Each flag is documented here once, with its default.

    # DDL runs inside a transaction and rolls back on failure (PostgreSQL, SQLite). Elsewhere
    # each CREATE commits on its own, so a failed apply leaves what was made before it.
    transactional_ddl: ClassVar[bool] = False
    # DROP TABLE ... CASCADE also drops what depends on the table (views, FKs of others).
    drop_table_cascade: ClassVar[bool] = False
    # Suffix of CREATE TABLE: storage engine, character set, collation.
    table_options: ClassVar[str] = ""
    # How an enum column is declared: "type" (CREATE TYPE name AS ENUM, then the column has
    # that type), "inline" (ENUM('a', 'b') as the column type), or "check" (a string column of
    # type `enum_check_logical` plus CHECK (col IN (...))).
    enum_style: ClassVar[str] = "check"
    enum_check_logical: ClassVar[str] = "varchar"
    # Declarative range partitions (PARTITION BY RANGE + CREATE TABLE ... PARTITION OF).
    # Engines without them get an ordinary table.
    range_partitions: ClassVar[bool] = False
    # UNIQUE admits one NULL only (SQL Server): a unique key over a nullable column is
    # declared as a unique index filtered on IS NOT NULL instead.
    unique_allows_one_null: ClassVar[bool] = False
    # The server refuses two cascade paths to one table and cascading self-references (SQL
    # Server error 1785): such ON DELETE actions are rendered as NO ACTION.
    single_cascade_path: ClassVar[bool] = False
    # How a text/json/blob column can be part of an index: "plain" (as any column), "prefix"
    # (only its first text_key_prefix characters: MySQL error 1170 otherwise), or "none"
    # (SQL Server's nvarchar(max) is never an index key, error 1919). A unique key over a
    # prefix would not be unique, so render refuses unique keys unless "plain".
    text_key_style: ClassVar[str] = "plain"
    text_key_prefix: ClassVar[int] = 255
    # The DEFAULT for "now" (its precision must match the column's on MySQL).
    current_timestamp_sql: ClassVar[str] = "CURRENT_TIMESTAMP"
    # Statement that sets the isolation level for the session's next transactions; "" when
    # the engine has a single level (SQLite). {level} is one of capabilities.isolation_levels.
    isolation_level_template: ClassVar[str] = "SET SESSION TRANSACTION ISOLATION LEVEL {level}"
    # INSERT that yields to an existing row with the same unique key: the verb, and a clause
    # after VALUES. Empty clause and plain verb: the engine has no such form (SQL Server).
    insert_ignore_verb: ClassVar[str] = "INSERT INTO"
    insert_ignore_clause: ClassVar[str] = ""
    # Driver error code -> arena error kind (see error_code for what the code is), and
    # message fragments tried when no code matched (lower-case, first match wins).
    error_kinds: ClassVar[dict[str | int, ErrorKind]] = {}
    error_messages: ClassVar[tuple[tuple[str, ErrorKind], ...]] = ()

    def identity_column_sql(self) -> str:
        """Type and constraints of an identity (serial) primary key column."""
        return f"{self.type_names['serial_pk']} NOT NULL"

    def foreign_key_checks_sql(self, enabled: bool) -> list[str]:
        """Statements turning this session's FK checks off or back on (none: it cannot)."""
        return []

    def isolation_sql(self, level: str) -> list[str]:
        """Statements setting `level` for this session's next transactions."""
        wanted = " ".join(level.upper().replace("_", " ").split())
        if wanted not in self.capabilities.isolation_levels:
            raise ArenaError(
                f"{self.display_name} has no isolation level '{level}'.",
                f"Valid: {', '.join(self.capabilities.isolation_levels)}.",
            )
        if not self.isolation_level_template:
            return []
        return [self.isolation_level_template.format(level=wanted)]

    def set_isolation(self, conn: Any, level: str) -> None:
        """Set `level` on an open connection (outside a transaction)."""
        cur = conn.cursor()
        for statement in self.isolation_sql(level):
            cur.execute(statement)

    def insert_ignoring_duplicates(self, table_sql: str, columns_sql: str, values_sql: str) -> str:
        """INSERT one row unless one with the same unique key exists."""
        return (
            f"{self.insert_ignore_verb} {table_sql} ({columns_sql}) "
            f"VALUES ({values_sql}){self.insert_ignore_clause}"
        )

    def error_code(self, exc: BaseException) -> str | int | None:
        """The code `error_kinds` is keyed by: the SQLSTATE by default."""
        return getattr(exc, "sqlstate", None)

    def classify_error(self, exc: BaseException) -> ErrorKind:
        """What a driver error means, as one arena ErrorKind (OTHER when unknown)."""
        if isinstance(exc, ConnectionError | EOFError):
            return ErrorKind.CONNECTION_LOST  # the socket died under the driver
        code = self.error_code(exc)
        if code is not None:
            kind = self.error_kinds.get(code)
            # A SQLSTATE class ("08" connection exception) covers its subclasses.
            if kind is None and isinstance(code, str):
                kind = self.error_kinds.get(code[:2])
            if kind is not None:
                return kind
        text = str(exc).lower()
        for fragment, kind in self.error_messages:
            if fragment in text:
                return kind
        return ErrorKind.OTHER

    # -- seed hooks (arena/seed/values.py, arena/seed/loaders/) ----------------------------
    # How generated values are spelled for the bulk loader. COPY text and LOAD DATA read
    # booleans and bytes differently; executemany drivers bind different Python types.
    copy_true: ClassVar[bytes] = b"1"  # a boolean in COPY text / LOAD DATA
    copy_false: ClassVar[bytes] = b"0"
    # Appended to timestamptz values in COPY text: they are generated in UTC.
    copy_timestamptz_suffix: ClassVar[bytes] = b""
    # Written before a bytes value's hex digits in COPY text / LOAD DATA (the loader UNHEXes).
    copy_bytes_prefix: ClassVar[str] = ""
    # executemany: decimals as decimal.Decimal (exact NUMERIC binding) instead of float.
    python_exact_decimals: ClassVar[bool] = False
    # executemany: booleans as 0/1 and dates/times/timestamps as ISO text (no native types).
    python_bool_as_int: ClassVar[bool] = False
    python_temporal_as_text: ClassVar[bool] = False

    # -- correctness hooks (arena/correctness/) -------------------------------------------
    # Isolation levels, BEGIN at a level, savepoints, deadlock settings and online DDL:
    # arena/engines/transactions.py, set by each engine module.
    transactions: ClassVar[TransactionRules]

    def backend_id(self, conn: Any) -> Any:
        """The server's id for this connection, when `cancel_statement` needs it."""
        return None

    def cancel_statement(
        self, endpoint: Endpoint, conn: Any, backend_id: Any, control: Any = None
    ) -> None:
        """Interrupt what `conn` is running, from another thread (a blocked step, Ctrl-C in
        a seed). `control`: a second connection opened in advance, where the engine cancels
        through one (it saves a login when the cancel must be quick)."""

    # -- variants hooks (ENGINE@VARIANT; reported: read back after start, with the --set ones)
    # The settings that shape the numbers: read back after `up` and recorded with every run
    # (arena/history/environment.py), together with the instance's --set ones.
    reported_settings: ClassVar[tuple[str, ...]] = ()
    # The server's default isolation level, recorded as "isolation"; the first name the
    # server knows wins (MySQL 8 / MariaDB 11.1+ transaction_isolation, MariaDB 10 tx_isolation).
    isolation_settings: ClassVar[tuple[str, ...]] = ()
    # Dotted numbers of `<server> --version` a version variant names: 16 (1), 10.11 (2).
    version_parts: ClassVar[int] = 1

    # -- scenario hooks (arena/scenarios: workflow transactions) --------------------------
    # Statements opening a workflow's transaction at {level}; empty: transactions.begin.
    scenario_begin: ClassVar[tuple[str, ...]] = ()
    # Whether the driver binds decimal.Decimal parameters (else they go as floats).
    scenario_binds_decimal: ClassVar[bool] = True

    def scenario_begin_statements(self) -> tuple[str, ...]:
        return self.scenario_begin or self.transactions.begin

    def setting_flags(self, settings: dict[str, str]) -> list[str]:
        """Server command-line options giving `settings` (native and docker commands)."""
        from arena.instances import no_settings  # default: the engine takes none

        return no_settings(self, settings)

    def read_settings(self, endpoint: Endpoint, names: list[str]) -> dict[str, str]:
        """Effective value of each of `names` the server knows (default: it cannot say)."""
        return {}

    def native_extra_dirs(self) -> list[str]:
        """Server binary dirs besides PATH and native_search_dirs (a wheel's bundled server)."""
        return []

    def __repr__(self) -> str:
        return f"<Engine {self.name}>"


def error_text(exc: BaseException) -> str:
    """The server's own message, without driver noise, on one line."""
    args = getattr(exc, "args", ())
    # PyMySQL: (code, message); psycopg/sqlite: message; pyodbc: (sqlstate, message);
    # MariaDB Connector/Python: (message,) with the number in .errno
    errno = getattr(exc, "errno", None)
    if len(args) >= 2 and isinstance(args[1], str):
        text = f"{args[1]} ({args[0]})"
    elif isinstance(errno, int) and errno > 0 and not isinstance(exc, OSError):
        text = f"{exc} ({errno})"
    else:
        text = str(exc)
    return " ".join(text.split())
