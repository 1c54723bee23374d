"""SQL Server: pyodbc with ODBC Driver 18 (else FreeTDS), docker only (no native server).

Not run live on arena's development machines (no registry, no Linux binaries): the container
contract, password rule and connection string are tested as data, and generated T-SQL is
checked by parsing it with sqlglot's tsql dialect.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from arena.engines.base import Capabilities, Engine
from arena.engines.transactions import TransactionRules
from arena.errors import ArenaError, ErrorKind

if TYPE_CHECKING:
    from arena.models import Endpoint

ODBC_DRIVERS = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", "FreeTDS")


class SqlServer(Engine):
    name = "sqlserver"
    display_name = "SQL Server"
    family = "sqlserver"
    sqlglot_dialect = "tsql"
    runtimes = ("docker",)

    default_image = "mcr.microsoft.com/mssql/server:2022-latest"
    default_port = 1433
    default_user = "sa"
    default_database = "arena"
    start_timeout = 180.0
    min_memory_bytes = 2 * 1024**3  # the image refuses to start below 2 GB
    # The image creates no database from its environment: probe `master` until arena's exists.
    ready_database = "master"

    identifier_quotes = ("[", "]")
    paramstyle = "qmark"
    # https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql
    row_limit_style = "fetch"
    string_literal_prefix = "N"
    type_names = {
        "smallint": "smallint", "int": "int", "bigint": "bigint",
        "decimal": "decimal({precision},{scale})", "float": "float", "bool": "bit",
        "char": "nchar({length})", "varchar": "nvarchar({length})", "text": "nvarchar(max)",
        "date": "date", "time": "time", "timestamp": "datetime2",
        "timestamptz": "datetimeoffset", "json": "nvarchar(max)", "uuid": "uniqueidentifier",
        "blob": "varbinary(max)", "serial_pk": "bigint IDENTITY(1,1)",
    }  # fmt: skip
    capabilities = Capabilities(
        returning=True,  # OUTPUT inserted.*
        skip_locked=True,  # WITH (READPAST, UPDLOCK)
        isolation_levels=(
            "READ UNCOMMITTED",
            "READ COMMITTED",
            "REPEATABLE READ",
            "SNAPSHOT",
            "SERIALIZABLE",
        ),  # fmt: skip
        json=True,  # JSON functions over nvarchar
    )

    driver = "pyodbc"
    version_query = "SELECT @@VERSION"
    sqlcmd = "/opt/mssql-tools18/bin/sqlcmd"

    def boolean_literal(self, value: bool) -> str:
        return "1" if value else "0"  # T-SQL has no TRUE/FALSE; bit columns take 1/0

    def container_env(self, user: str, password: str, database: str) -> dict[str, str]:
        check_password(password)
        return {"ACCEPT_EULA": "Y", "MSSQL_SA_PASSWORD": password, "MSSQL_PID": "Developer"}

    def container_bootstrap(self, endpoint: Endpoint) -> None:
        """The project's database, created once on `master` (the image creates none)."""
        conn = self.connect(endpoint.replace(database="master"))
        try:
            conn.cursor().execute(create_database_sql(self, endpoint.database))
        finally:
            conn.close()

    def readiness_command(self, password: str) -> list[str]:
        # -C trusts the self-signed certificate the image generates.
        return [self.sqlcmd, "-C", "-S", "127.0.0.1", "-U", "sa", "-P", password, "-Q", "SELECT 1"]

    def connection_string(self, endpoint: Endpoint, driver: str | None = None) -> str:
        driver = driver or pick_odbc_driver()
        parts = {
            "DRIVER": "{" + driver + "}",
            "SERVER": f"{endpoint.host},{endpoint.port}",
            "DATABASE": endpoint.database,
            "UID": endpoint.user,
            "PWD": "{" + endpoint.password.replace("}", "}}") + "}",
        }
        if driver == "FreeTDS":
            parts["TDS_Version"] = "7.4"
        else:
            parts["Encrypt"] = "yes"
            parts["TrustServerCertificate"] = "yes"
        return ";".join(f"{k}={v}" for k, v in parts.items())

    def connect(self, endpoint: Endpoint, **options: Any) -> Any:
        import pyodbc

        timeout = options.pop("connect_timeout", 10)
        return pyodbc.connect(
            self.connection_string(endpoint),
            autocommit=options.pop("autocommit", True),
            timeout=timeout,
        )

    unique_allows_one_null = True
    # https://learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-1785-database-engine-error
    single_cascade_path = True
    # https://learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-1919-database-engine-error
    text_key_style = "none"
    # Session-wide on SQL Server. SNAPSHOT needs ALLOW_SNAPSHOT_ISOLATION ON in the database.
    # https://learn.microsoft.com/sql/t-sql/statements/set-transaction-isolation-level-transact-sql
    isolation_level_template = "SET TRANSACTION ISOLATION LEVEL {level}"
    # Native error numbers (547 is both FK and CHECK: the message says which), and SQLSTATE
    # class 08 for a lost link (the native number is 0 then).
    # https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors
    error_kinds = {
        2627: ErrorKind.UNIQUE, 2601: ErrorKind.UNIQUE, 515: ErrorKind.NOT_NULL,
        1205: ErrorKind.DEADLOCK, 1222: ErrorKind.LOCK_TIMEOUT,
        3960: ErrorKind.SERIALIZATION, 3961: ErrorKind.SERIALIZATION,
        102: ErrorKind.SYNTAX, 156: ErrorKind.SYNTAX,
        10054: ErrorKind.CONNECTION_LOST, 233: ErrorKind.CONNECTION_LOST,
        "08": ErrorKind.CONNECTION_LOST,
    }  # fmt: skip
    error_messages = (
        ("conflicted with the foreign key constraint", ErrorKind.FOREIGN_KEY),
        ("conflicted with the reference constraint", ErrorKind.FOREIGN_KEY),
        ("conflicted with the check constraint", ErrorKind.CHECK),
    )

    def error_code(self, exc: BaseException) -> str | int | None:
        # pyodbc: args = (sqlstate, "[sqlstate] [driver][SQL Server]text (number) (SQLExecDirectW)")
        args = getattr(exc, "args", ())
        sqlstate = args[0] if args and isinstance(args[0], str) else None
        if sqlstate and sqlstate.startswith("08"):
            return sqlstate  # a lost link; its number is the socket's (104), not the server's
        text = args[1] if len(args) >= 2 and isinstance(args[1], str) else ""
        native = _NATIVE_ERROR.search(text)
        if native and int(native.group(1)):
            return int(native.group(1))
        return sqlstate

    # -- seed hooks ------------------------------------------------------------------------
    # pyodbc binds a float to DECIMAL(p,s) lossily; Decimal keeps every digit.
    python_exact_decimals = True

    # -- bench hooks (arena/bench/: plans, sizes, streaming, bulk path, transactions) ------
    bulk_path_name = "fast_executemany"
    begin_sql = "BEGIN TRANSACTION"
    # https://learn.microsoft.com/sql/t-sql/language-elements/save-transaction-transact-sql
    recursive_with = "WITH"  # a CTE that names itself is recursive

    def explain(self, conn: Any, select: str) -> str:
        # https://learn.microsoft.com/sql/t-sql/statements/set-showplan-xml-transact-sql
        cur = conn.cursor()
        cur.execute("SET SHOWPLAN_XML ON")
        try:
            cur.execute(select)
            return "".join(str(row[0]) for row in cur.fetchall())
        finally:
            cur.execute("SET SHOWPLAN_XML OFF")

    def plan_verdict(self, plan: str) -> str:
        ops = re.findall(r'PhysicalOp="([^"]+)"', plan)
        if any(op.endswith("Scan") for op in ops):  # Table Scan, (Clustered) Index Scan
            return "scan"
        return "index" if any(op.endswith("Seek") for op in ops) else "unknown"

    def relation_size(self, conn: Any, tables: list[str]) -> int | None:
        # https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-spaceused-transact-sql
        cur = conn.cursor()
        total = 0
        for table in tables:
            cur.execute("EXEC sp_spaceused ?", (table,))
            reserved = str(cur.fetchone()[2])  # name, rows, reserved "123 KB", data, ...
            total += int(reserved.split()[0]) * 1024
        return total

    def bulk_insert(self, conn: Any, table_sql: str, columns: list[str], rows: list[tuple]) -> None:
        # Parameter arrays in one round trip, committed once.
        # https://github.com/mkleehammer/pyodbc/wiki/Features-beyond-the-DB-API#fast_executemany
        cols = ", ".join(self.quote(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        conn.autocommit = False
        try:
            cur = conn.cursor()
            cur.fast_executemany = True
            cur.executemany(f"INSERT INTO {table_sql} ({cols}) VALUES ({marks})", rows)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.autocommit = True

    def lock_timeout_sql(self, seconds: float) -> list[str]:
        return [f"SET LOCK_TIMEOUT {int(seconds * 1000)}"]

    def create_table_as_sql(self, table_sql: str, select: str) -> str:
        # https://learn.microsoft.com/sql/t-sql/queries/select-into-clause-transact-sql
        head, _, rest = select.partition(" FROM ")
        return f"{head} INTO {table_sql} FROM {rest}"

    # -- correctness hooks (arena/correctness/: transactions, locks, online DDL) -------
    transactions = TransactionRules(
        begin=("SET TRANSACTION ISOLATION LEVEL {level}", "BEGIN TRANSACTION"),
        commit="COMMIT TRANSACTION",
        rollback="ROLLBACK TRANSACTION",
        savepoint="SAVE TRANSACTION {name}",
        release_savepoint="",
        drop_index="DROP INDEX {ix} ON {t}",
        rollback_to="ROLLBACK TRANSACTION {name}",
        name_patterns=(r'constraint "([^"]+)"', r"constraint '([^']+)'"),
        deadlock_setting="DEADLOCK_PRIORITY",
        migrations={
            "add nullable column": ("ALTER TABLE {t} ADD c_nullable INT",),
            "add column with default": ("ALTER TABLE {t} ADD c_default INT NOT NULL DEFAULT 7",),
            "add index": ("CREATE INDEX {ix} ON {t} (balance) WITH (ONLINE = ON)",),
            "change column type": ("ALTER TABLE {t} ALTER COLUMN balance BIGINT NOT NULL",),
            "add foreign key": (
                "ALTER TABLE {t} WITH NOCHECK ADD CONSTRAINT {fk} FOREIGN KEY (account) REFERENCES {parent} (id)",
                "ALTER TABLE {t} WITH CHECK CHECK CONSTRAINT {fk}",
            ),
            "drop column": ("ALTER TABLE {t} DROP COLUMN c_nullable",),
        },
    )

    # -- load hooks --
    def insert_sql(
        self, table_ref: str, columns: list[str], return_key: str | None, ignore_conflicts: bool
    ) -> str:
        """The new key comes back through OUTPUT INSERTED.<key>, written before VALUES.
        https://learn.microsoft.com/sql/t-sql/queries/output-clause-transact-sql"""
        output = f" OUTPUT INSERTED.{return_key}" if return_key else ""
        if not columns:
            return f"INSERT INTO {table_ref}{output} DEFAULT VALUES"
        values = ", ".join(self.placeholder for _ in columns)
        return f"INSERT INTO {table_ref} ({', '.join(columns)}){output} VALUES ({values})"

    def check_statement_sql(self, statement: str) -> str:
        """No EXPLAIN: FMTONLY compiles the batch (objects resolved) and returns only metadata.
        https://learn.microsoft.com/sql/t-sql/statements/set-fmtonly-transact-sql"""
        return f"SET FMTONLY ON; {statement}; SET FMTONLY OFF"

    # -- report hooks --
    # sys.configurations by name (value_in_use: what runs now), and the database's own
    # options, which decide what READ COMMITTED means there and whether commits wait for the log.
    reported_settings = (
        "max server memory (MB)", "max degree of parallelism", "is_read_committed_snapshot_on",
        "snapshot_isolation_state_desc", "delayed_durability_desc",
    )  # fmt: skip
    database_options: ClassVar[tuple[str, ...]] = (
        "is_read_committed_snapshot_on", "snapshot_isolation_state_desc", "delayed_durability_desc",
    )  # fmt: skip

    def read_settings(self, endpoint: Endpoint, names: list[str]) -> dict[str, str]:
        wanted = {n.lower(): n for n in names}
        options = [c for c in self.database_options if c in wanted]
        conn = self.connect(endpoint)
        try:
            cur = conn.cursor()
            cur.execute("SELECT name, CAST(value_in_use AS varchar(30)) FROM sys.configurations")
            found = {str(k): str(v) for k, v in cur.fetchall() if str(k).lower() in wanted}
            if options:  # fixed column names, never user text
                cur.execute(
                    f"SELECT {', '.join(options)} FROM sys.databases WHERE name = DB_NAME()"
                )
                found.update(zip(options, (str(v) for v in cur.fetchone()), strict=True))
            return found
        finally:
            conn.close()

    connections_sql = "SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE database_id = DB_ID()"
    database_size_sql = "SELECT SUM(CAST(size AS bigint)) * 8192 FROM sys.database_files"


_NATIVE_ERROR = re.compile(r"\((\d+)\) \(SQL\w+\)")


def create_database_sql(engine: Engine, database: str) -> str:
    """T-SQL creating the project's database once (the image creates none)."""
    literal = "N'" + database.replace("'", "''") + "'"
    return f"IF DB_ID({literal}) IS NULL CREATE DATABASE {engine.quote(database)}"


def pick_odbc_driver() -> str:
    try:
        import pyodbc

        installed = set(pyodbc.drivers())
    except ImportError:
        installed = set()
    for name in ODBC_DRIVERS:
        if name in installed:
            return name
    raise ArenaError(
        "No ODBC driver for SQL Server is installed.",
        "Install Microsoft's msodbcsql18, or FreeTDS: apt-get install tdsodbc unixodbc.",
    )


def check_password(password: str) -> None:
    """SQL Server's rule: at least 8 characters from three of upper, lower, digits, symbols.
    https://learn.microsoft.com/sql/relational-databases/security/password-policy"""
    classes = [
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    if len(password) < 8 or sum(classes) < 3:
        raise ArenaError(
            "The SQL Server password does not meet its complexity rule.",
            "Use 8+ characters from three of: upper case, lower case, digits, symbols.",
        )
