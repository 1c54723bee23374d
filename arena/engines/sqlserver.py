"""SQL Server: pyodbc with ODBC Driver 18 (else FreeTDS), docker only (no native server).

Not run live on arena's development machines (no registry, no Linux binaries): the container
contract, password rule and connection string are tested as data, and generated T-SQL is
checked by parsing it with sqlglot's tsql dialect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arena.engines.base import Capabilities, Engine
from arena.errors import ArenaError

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

    def explain(self, statement: str) -> str:
        """No EXPLAIN: FMTONLY compiles the batch (objects resolved) and returns only metadata.
        https://learn.microsoft.com/sql/t-sql/statements/set-fmtonly-transact-sql"""
        return f"SET FMTONLY ON; {statement}; SET FMTONLY OFF"


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
