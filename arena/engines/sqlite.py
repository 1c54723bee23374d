"""SQLite: the embedded default. One file in .arena/, the stdlib driver, nothing to start."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from arena.engines.base import Capabilities, Engine
from arena.engines.transactions import TransactionRules
from arena.errors import ErrorKind

if TYPE_CHECKING:
    from arena.models import Endpoint


class SQLite(Engine):
    name = "sqlite"
    display_name = "SQLite"
    family = "sqlite"
    sqlglot_dialect = "sqlite"
    runtimes = ("embedded",)
    default_user = ""
    default_database = "main"

    identifier_quotes = ('"', '"')
    paramstyle = "qmark"
    # SQLite keeps the declared type name verbatim, so arena declares the real type
    # (VARCHAR(255), DECIMAL(12,2), TIMESTAMPTZ...): introspection reads the same logical
    # types back, and every name still gets the affinity SQLite's rules give it.
    # https://www.sqlite.org/datatype3.html#determination_of_column_affinity
    type_names = {
        "smallint": "SMALLINT", "int": "INTEGER", "bigint": "BIGINT",
        "decimal": "DECIMAL({precision},{scale})", "float": "DOUBLE", "bool": "BOOLEAN",
        "char": "CHAR({length})", "varchar": "VARCHAR({length})", "text": "TEXT", "date": "DATE",
        "time": "TIME", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ", "json": "JSON",
        "uuid": "UUID", "blob": "BLOB", "serial_pk": "INTEGER",
    }  # fmt: skip
    capabilities = Capabilities(
        returning=True,  # since 3.35
        skip_locked=False,
        # One writer at a time; readers in WAL mode see a snapshot: serializable only.
        isolation_levels=("SERIALIZABLE",),
        json=True,  # JSON1 functions
        deferrable_fks=True,
    )

    driver = "sqlite3"
    version_query = "SELECT sqlite_version()"

    def connect(self, endpoint: Endpoint, **options: Any) -> Any:
        options.pop("connect_timeout", None)
        autocommit = options.pop("autocommit", True)
        # isolation_level=None is sqlite3's autocommit; arena opens transactions explicitly.
        conn = sqlite3.connect(
            endpoint.path, isolation_level=None if autocommit else "DEFERRED", **options
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        # A variant's settings are PRAGMAs, applied on every connection arena opens
        # (most PRAGMAs last for the connection only); checked at `arena up`.
        for key, value in endpoint.requested_settings.items():
            conn.execute(f"PRAGMA {pragma_name(key)} = {pragma_value(value)}")
        return conn

    def server_version(self, conn: Any) -> str:
        return f"SQLite {super().server_version(conn)}"

    def boolean_literal(self, value: bool) -> str:
        return "1" if value else "0"  # SQLite stores booleans as the integers 1 and 0

    transactional_ddl = True
    enum_check_logical = "text"
    isolation_level_template = ""  # always SERIALIZABLE
    insert_ignore_clause = " ON CONFLICT DO NOTHING"
    # Extended result codes by name (Python 3.11+), https://www.sqlite.org/rescode.html .
    # SQLite has no deadlock error: a lock it cannot get, deadlock or not, is SQLITE_BUSY.
    error_kinds = {
        "SQLITE_CONSTRAINT_UNIQUE": ErrorKind.UNIQUE,
        "SQLITE_CONSTRAINT_PRIMARYKEY": ErrorKind.UNIQUE,
        "SQLITE_CONSTRAINT_FOREIGNKEY": ErrorKind.FOREIGN_KEY,
        "SQLITE_CONSTRAINT_CHECK": ErrorKind.CHECK,
        "SQLITE_CONSTRAINT_NOTNULL": ErrorKind.NOT_NULL,
        # a WAL read snapshot went stale before the transaction could write
        "SQLITE_BUSY_SNAPSHOT": ErrorKind.SERIALIZATION,
        "SQLITE_BUSY": ErrorKind.LOCK_TIMEOUT,
        "SQLITE_BUSY_TIMEOUT": ErrorKind.LOCK_TIMEOUT,
        "SQLITE_LOCKED": ErrorKind.LOCK_TIMEOUT,
    }
    # SQLITE_ERROR covers syntax errors and missing tables alike: the message tells them apart.
    # The constraint and busy texts back up the codes for errors raised without an error name
    # (sqlite3 before Python 3.11, or re-raised by a wrapper).
    error_messages = (
        ("unique constraint failed", ErrorKind.UNIQUE),
        ("foreign key constraint failed", ErrorKind.FOREIGN_KEY),
        ("check constraint failed", ErrorKind.CHECK),
        ("not null constraint failed", ErrorKind.NOT_NULL),
        ("database is locked", ErrorKind.LOCK_TIMEOUT),
        ("syntax error", ErrorKind.SYNTAX),
        ("incomplete input", ErrorKind.SYNTAX),
        ("closed database", ErrorKind.CONNECTION_LOST),
    )

    def error_code(self, exc: BaseException) -> str | int | None:
        return getattr(exc, "sqlite_errorname", None)

    def identity_column_sql(self) -> str:
        # Exactly INTEGER + the PRIMARY KEY makes it the rowid alias the server assigns.
        # https://www.sqlite.org/lang_createtable.html#rowid
        return "INTEGER"

    def foreign_key_checks_sql(self, enabled: bool) -> list[str]:
        # Only outside a transaction; inside one the pragma is silently ignored.
        return [f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}"]

    # -- seed hooks ------------------------------------------------------------------------
    # No boolean or date types: 0/1 and ISO-8601 text, as arena's schemas declare them.
    python_bool_as_int = True
    python_temporal_as_text = True

    # -- bench hooks (arena/bench/: plans, sizes, streaming, bulk path, transactions) ------
    # https://www.sqlite.org/eqp.html
    explain_prefix = "EXPLAIN QUERY PLAN "
    bulk_path_name = "executemany in one transaction"
    # DELETE without WHERE is SQLite's truncate optimisation.
    truncate_template = "DELETE FROM {table}"

    def plan_verdict(self, plan: str) -> str:
        import re

        # "SCAN t" reads every row ("SCAN t USING COVERING INDEX i" every index entry);
        # "SEARCH t USING INDEX i (k=?)" / "USING INTEGER PRIMARY KEY" seeks.
        if re.search(r"\bSCAN\b", plan):
            return "scan"
        return "index" if re.search(r"\bSEARCH\b", plan) else "unknown"

    def relation_size(self, conn: Any, tables: list[str]) -> int | None:
        marks = ", ".join("?" * len(tables))
        try:  # dbstat is optional in SQLite builds
            row = conn.execute(
                "SELECT COALESCE(SUM(d.pgsize), 0) FROM dbstat d "
                f"JOIN sqlite_master m ON m.name = d.name WHERE m.tbl_name IN ({marks})",
                tuple(tables),
            ).fetchone()
            return int(row[0])
        except sqlite3.OperationalError:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
            return int((pages - free) * size)  # the whole file: no per-table sizes here

    def bulk_insert(self, conn: Any, table_sql: str, columns: list[str], rows: list[tuple]) -> None:
        # In autocommit every row would be its own transaction (and fsync).
        conn.execute("BEGIN")
        try:
            super().bulk_insert(conn, table_sql, columns, rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def lock_timeout_sql(self, seconds: float) -> list[str]:
        return [f"PRAGMA busy_timeout = {int(seconds * 1000)}"]

    # -- correctness hooks (arena/correctness/: transactions, locks, online DDL) -------
    transactions = TransactionRules(
        begin=("BEGIN",),
        row_locks=False,
        name_patterns=(
            r"CHECK constraint failed: (\S+)",
            r"(?:UNIQUE|NOT NULL) constraint failed: (\S+)",
        ),
        deadlock_setting="busy_timeout",
        deadlock_setting_query="PRAGMA busy_timeout",
        migrations={
            "add nullable column": ("ALTER TABLE {t} ADD COLUMN c_nullable INT",),
            "add column with default": (
                "ALTER TABLE {t} ADD COLUMN c_default INT NOT NULL DEFAULT 7",
            ),
            "add index": ("CREATE INDEX {ix} ON {t} (balance)",),
            "change column type": "n/a: SQLite has no ALTER COLUMN TYPE (it takes a table rebuild)",
            "add foreign key": "n/a: SQLite cannot add a constraint to an existing table",
            "drop column": ("ALTER TABLE {t} DROP COLUMN c_nullable",),
        },
    )

    def cancel_statement(
        self, endpoint: Endpoint, conn: Any, backend_id: Any, control: Any = None
    ) -> None:
        # https://docs.python.org/3/library/sqlite3.html#sqlite3.Connection.interrupt
        conn.interrupt()

    # -- load hooks --

    # -- scenario hooks (arena/scenarios) --
    # A workflow takes the write lock when it begins: one writer at a time anyway, and a
    # deferred BEGIN that reads first would fail with SQLITE_BUSY when it later writes.
    scenario_begin = ("BEGIN IMMEDIATE",)
    scenario_binds_decimal = False  # sqlite3 cannot bind decimal.Decimal

    # -- report hooks --
    database_size_sql = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"

    # -- variants hooks (instances ENGINE@VARIANT: settings, versions; issue 15) ----------
    # SQLite has no server: an instance is its own file, its settings PRAGMAs that every
    # connection arena opens applies (see connect).
    reported_settings = ("journal_mode", "synchronous", "cache_size", "page_size")

    def read_settings(self, endpoint: Endpoint, names: list[str]) -> dict[str, str]:
        conn = self.connect(endpoint)
        try:
            found = {}
            for name in names:
                row = conn.execute(f"PRAGMA {pragma_name(name)}").fetchone()
                if row is not None:  # an unknown PRAGMA returns nothing
                    found[name.lower()] = str(row[0])
            return found
        finally:
            conn.close()


def pragma_name(name: str) -> str:
    import re

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name.lower()):
        from arena.instances import VariantError

        raise VariantError(f"'{name}' is not a SQLite PRAGMA name.", "e.g. synchronous=off")
    return name.lower()


def pragma_value(value: str) -> str:
    """A PRAGMA's value: a number, a keyword, or a quoted string."""
    import re

    if re.fullmatch(r"-?\d+|[A-Za-z_]+", value):
        return value
    return "'" + value.replace("'", "''") + "'"
