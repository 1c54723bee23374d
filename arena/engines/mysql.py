"""MySQL: PyMySQL, mysqld natively (MariaDB's mysqld stands in where Oracle's is absent, and
the real server version is reported), the official mysql:8.4 image in docker."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from typing import TYPE_CHECKING, Any

from arena.engines.base import Capabilities, Engine
from arena.engines.plans import json_plan_values
from arena.engines.transactions import TransactionRules
from arena.errors import ErrorKind

if TYPE_CHECKING:
    from arena.engines.native_context import NativeContext
    from arena.models import Endpoint


class MySQL(Engine):
    name = "mysql"
    display_name = "MySQL"
    family = "mysql"
    sqlglot_dialect = "mysql"

    default_image = "mysql:8.4"
    default_port = 3306

    identifier_quotes = ("`", "`")
    # https://dev.mysql.com/doc/refman/8.4/en/string-literals.html
    backslash_escapes = True
    paramstyle = "format"
    type_names = {
        "smallint": "smallint", "int": "int", "bigint": "bigint",
        "decimal": "decimal({precision},{scale})", "float": "double", "bool": "boolean",
        "char": "char({length})", "varchar": "varchar({length})", "text": "text",
        "date": "date", "time": "time", "timestamp": "datetime(6)",
        "timestamptz": "timestamp(6)", "json": "json", "uuid": "char(36)", "blob": "longblob",
        "serial_pk": "bigint AUTO_INCREMENT",
    }  # fmt: skip
    capabilities = Capabilities(
        returning=False,
        skip_locked=True,
        isolation_levels=("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"),
        json=True,
    )

    driver = "pymysql"
    version_query = "SELECT VERSION()"

    # MariaDB installs `mysqld` as a link to `mariadbd`; either serves.
    native_binaries = {"server": ("mysqld", "mariadbd")}
    native_search_dirs = ("/usr/sbin", "/usr/local/mysql/bin", "/opt/homebrew/bin")
    native_install_hint = (
        "apt-get install mariadb-server (or mysql-server; macOS: brew install mysql)"
    )
    start_timeout = 90.0

    def connect(self, endpoint: Endpoint, **options: Any) -> Any:
        import pymysql

        options.setdefault("autocommit", True)
        # LOAD DATA LOCAL INFILE is the bulk path for seeding; the server enables it too.
        options.setdefault("local_infile", True)
        return pymysql.connect(
            host=endpoint.host,
            port=endpoint.port,
            user=endpoint.user,
            password=endpoint.password,
            database=endpoint.database,
            **options,
        )

    def server_version(self, conn: Any) -> str:
        version = super().server_version(conn)
        # Say plainly which server answered: MariaDB's mysqld reports "10.11.6-MariaDB-...".
        return f"MariaDB {version}" if "mariadb" in version.lower() else f"MySQL {version}"

    def container_env(self, user: str, password: str, database: str) -> dict[str, str]:
        env = {"MYSQL_ROOT_PASSWORD": password, "MYSQL_DATABASE": database}
        if user != "root":
            env |= {"MYSQL_USER": user, "MYSQL_PASSWORD": password}
        return env

    # -- runtime hooks (native and container bootstrap) ----------------------------------
    def native_initialize(self, ctx: NativeContext) -> None:
        """System tables, then the accounts, through a temporary server that listens on no
        TCP port: the installer's passwordless root and anonymous accounts are gone before
        the server is ever reachable over the network."""
        server = ctx.bins["server"]
        if is_mariadb_binary(server):
            installer = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
            if installer is None:
                ctx.missing("mariadb-install-db", "apt-get install mariadb-server")
            # normal auth: root@localhost gets an empty password (replaced below) instead
            # of unix_socket auth, which would only admit the OS user root.
            ctx.run(
                [
                    installer, "--no-defaults", f"--datadir={ctx.data_dir}",
                    "--auth-root-authentication-method=normal", "--skip-test-db",
                ]
            )  # fmt: skip
        else:
            ctx.run([server, "--no-defaults", "--initialize-insecure", f"--datadir={ctx.data_dir}"])
        temporary = ctx.spawn(self._server_argv(ctx, networking=False))
        try:
            ctx.wait_until(temporary, lambda: self._socket_connect(ctx).close(), 60)
            conn = self._socket_connect(ctx)
            try:
                cur = conn.cursor()
                cur.execute("ALTER USER 'root'@'localhost' IDENTIFIED BY %s", (ctx.password,))
                for host in ("127.0.0.1", "localhost"):
                    cur.execute(
                        f"CREATE USER IF NOT EXISTS %s@'{host}' IDENTIFIED BY %s",
                        (ctx.user, ctx.password),
                    )
                    cur.execute(
                        f"GRANT ALL PRIVILEGES ON *.* TO %s@'{host}' WITH GRANT OPTION",
                        (ctx.user,),
                    )
                cur.execute(f"CREATE DATABASE IF NOT EXISTS {self.quote(ctx.database)}")
                drop_open_accounts(cur)
                cur.execute("SHUTDOWN")
            finally:
                conn.close()
            ctx.wait_exit(temporary)
        finally:
            if temporary.poll() is None:
                temporary.kill()
                temporary.wait()

    def _socket_connect(self, ctx: NativeContext) -> Any:
        import pymysql

        # root@localhost with the installer's empty password: only reachable through the
        # socket in ctx.home (0700), by the server's user and root.
        return pymysql.connect(
            unix_socket=ctx.socket_path, user="root", password="", connect_timeout=3
        )

    def _server_argv(self, ctx: NativeContext, networking: bool) -> list[str]:
        argv = [
            ctx.bins["server"], "--no-defaults", f"--datadir={ctx.data_dir}",
            f"--socket={ctx.socket_path}", f"--pid-file={ctx.home / 'mysqld.pid'}",
            "--skip-name-resolve", "--local-infile=1", "--skip-log-bin",
        ]  # fmt: skip
        if networking:
            return [*argv, f"--port={ctx.port}", "--bind-address=127.0.0.1"]
        return [*argv, "--skip-networking"]

    def native_command(self, ctx: NativeContext) -> list[str]:
        return self._server_argv(ctx, networking=True)

    def native_bootstrap(self, ctx: NativeContext) -> None:
        # At every start, as in containers: an account someone opened since is closed again.
        self._close_open_accounts(ctx.endpoint)

    def container_bootstrap(self, endpoint: Endpoint) -> None:
        """Whatever the image's entrypoint left: no anonymous or passwordless account may log
        in (root has arena's password in the container contract)."""
        self._close_open_accounts(endpoint.replace(user="root"))

    def _close_open_accounts(self, endpoint: Endpoint) -> None:
        conn = self.connect(endpoint)
        try:
            drop_open_accounts(conn.cursor())
        finally:
            conn.close()

    # utf8mb4 with a binary collation, so uniqueness is case-sensitive as on PostgreSQL and
    # SQLite (with a *_ci collation 'Ann' and 'ann' collide).
    table_options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    enum_style = "inline"
    # https://dev.mysql.com/doc/refman/8.4/en/column-indexes.html#column-indexes-prefix
    text_key_style = "prefix"
    # The default's precision must match timestamp(6)/datetime(6).
    current_timestamp_sql = "CURRENT_TIMESTAMP(6)"
    # https://dev.mysql.com/doc/refman/8.4/en/set-transaction.html
    isolation_level_template = "SET SESSION TRANSACTION ISOLATION LEVEL {level}"
    # IGNORE also turns other errors into warnings; arena uses it only where a duplicate
    # key is the expected refusal.
    insert_ignore_verb = "INSERT IGNORE INTO"
    # Server error numbers (MySQL and MariaDB share them; 3819 is MySQL's CHECK, 4025
    # MariaDB's, 1020 MariaDB's snapshot conflict) and client ones (2006, 2013...).
    # https://dev.mysql.com/doc/mysql-errors/8.4/en/server-error-reference.html
    # https://mariadb.com/kb/en/mariadb-error-code-reference/
    error_kinds = {
        1062: ErrorKind.UNIQUE, 1586: ErrorKind.UNIQUE,
        1452: ErrorKind.FOREIGN_KEY, 1451: ErrorKind.FOREIGN_KEY,
        1216: ErrorKind.FOREIGN_KEY, 1217: ErrorKind.FOREIGN_KEY,
        3819: ErrorKind.CHECK, 4025: ErrorKind.CHECK,
        1048: ErrorKind.NOT_NULL, 1364: ErrorKind.NOT_NULL,
        1213: ErrorKind.DEADLOCK, 1020: ErrorKind.SERIALIZATION, 1205: ErrorKind.LOCK_TIMEOUT,
        3572: ErrorKind.LOCK_TIMEOUT,  # NOWAIT found the row locked (MySQL)
        2006: ErrorKind.CONNECTION_LOST, 2013: ErrorKind.CONNECTION_LOST,
        2003: ErrorKind.CONNECTION_LOST, 2055: ErrorKind.CONNECTION_LOST,
        1927: ErrorKind.CONNECTION_LOST, 4031: ErrorKind.CONNECTION_LOST,
        # MariaDB Connector/C's network read and write errors (mariadb/errmsg.h)
        5013: ErrorKind.CONNECTION_LOST, 5014: ErrorKind.CONNECTION_LOST,
        1064: ErrorKind.SYNTAX,
    }  # fmt: skip

    def error_code(self, exc: BaseException) -> str | int | None:
        if isinstance(exc, self.driver_module().err.InterfaceError):
            return 2006  # PyMySQL: the connection is already closed
        errno = getattr(exc, "errno", None)
        if isinstance(errno, int) and errno > 0 and not isinstance(exc, OSError):
            return errno  # MariaDB Connector/Python: the server's or the client's number
        code = exc.args[0] if exc.args else None
        return code if isinstance(code, int) else None

    def foreign_key_checks_sql(self, enabled: bool) -> list[str]:
        return [f"SET FOREIGN_KEY_CHECKS = {int(enabled)}"]

    # -- bench hooks (arena/bench/: plans, sizes, streaming, bulk path, transactions) ------
    # https://dev.mysql.com/doc/refman/8.4/en/explain-output.html#explain-join-types
    explain_prefix = "EXPLAIN FORMAT=JSON "
    bulk_path_name = "LOAD DATA LOCAL INFILE"
    begin_sql = "START TRANSACTION"

    def plan_verdict(self, plan: str) -> str:
        access = json_plan_values(plan, "access_type")
        # ALL reads every row; "index" reads every entry of an index: both are full scans.
        if any(a in ("ALL", "index") for a in access):
            return "scan"
        return "index" if access else "unknown"

    def relation_size(self, conn: Any, tables: list[str]) -> int | None:
        cur = conn.cursor()
        for table in tables:  # InnoDB's sizes are statistics: refresh them first
            cur.execute(f"ANALYZE TABLE {self.quote(table)}")
            cur.fetchall()
        marks = ", ".join(["%s"] * len(tables))
        cur.execute(
            "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables "
            f"WHERE table_schema = DATABASE() AND table_name IN ({marks})",
            tuple(tables),
        )
        return int(cur.fetchone()[0])

    def stream_rows(self, conn: Any, select: str, batch: int = 2000):
        import pymysql.cursors

        # Unbuffered: rows are read off the socket as the client asks for them.
        cur = conn.cursor(pymysql.cursors.SSCursor)
        try:
            cur.execute(select)
            while rows := cur.fetchmany(batch):
                yield from rows
        finally:
            cur.close()

    def bulk_insert(self, conn: Any, table_sql: str, columns: list[str], rows: list[tuple]) -> None:
        import os
        import tempfile

        # https://dev.mysql.com/doc/refman/8.4/en/load-data.html (default FIELDS/LINES format)
        def field(value: Any) -> str:
            if value is None:
                return "\\N"
            text = str(value)
            return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

        fd, path = tempfile.mkstemp(prefix="arena-bench-", suffix=".tsv")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for row in rows:
                    out.write("\t".join(field(v) for v in row) + "\n")
            cols = ", ".join(self.quote(c) for c in columns)
            conn.cursor().execute(
                f"LOAD DATA LOCAL INFILE {self.literal(path)} INTO TABLE {table_sql} "
                f"CHARACTER SET utf8mb4 ({cols})"
            )
        except self.driver_module().Error as exc:
            # A server with local_infile=OFF (MySQL 8's default) refuses it: 1148/3948 (MySQL),
            # 4166 (MariaDB), 2068 (client). PyMySQL's executemany sends multi-row INSERTs.
            if (exc.args[0] if exc.args else None) not in (1148, 3948, 4166, 2068):
                raise
            super().bulk_insert(conn, table_sql, columns, rows)
        finally:
            os.unlink(path)

    def lock_timeout_sql(self, seconds: float) -> list[str]:
        return [f"SET SESSION innodb_lock_wait_timeout = {max(1, round(seconds))}"]

    # -- correctness hooks (arena/correctness/: transactions, locks, online DDL) -------
    transactions = TransactionRules(
        # SET TRANSACTION applies to the next transaction only, so it precedes the START.
        begin=("SET TRANSACTION ISOLATION LEVEL {level}", "START TRANSACTION"),
        drop_index="DROP INDEX {ix} ON {t}",
        name_patterns=(
            r"CONSTRAINT `([^`]+)`",
            r"for key '(?:[^']*\.)?([^'.]+)'",
            r"Check constraint '([^']+)'",
            r"Column '([^']+)' cannot be null",
            r"Field '([^']+)' doesn't have a default",
        ),
        deadlock_setting="innodb_deadlock_detect",
        deadlock_setting_query="SELECT @@innodb_deadlock_detect",
        migrations={
            "add nullable column": (
                "ALTER TABLE {t} ADD COLUMN c_nullable INT, ALGORITHM=INSTANT",
            ),
            "add column with default": (
                "ALTER TABLE {t} ADD COLUMN c_default INT NOT NULL DEFAULT 7, ALGORITHM=INSTANT",
            ),
            "add index": (
                "ALTER TABLE {t} ADD INDEX {ix} (balance), ALGORITHM=INPLACE, LOCK=NONE",
            ),
            # A type change rebuilds the table (COPY): writes wait for it.
            "change column type": ("ALTER TABLE {t} MODIFY balance BIGINT NOT NULL",),
            "add foreign key": (
                "ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY (account) REFERENCES {parent} (id)",
            ),
            "drop column": ("ALTER TABLE {t} DROP COLUMN c_nullable",),
        },
    )

    def backend_id(self, conn: Any) -> Any:
        return conn.thread_id()

    def cancel_statement(
        self, endpoint: Endpoint, conn: Any, backend_id: Any, control: Any = None
    ) -> None:
        # PyMySQL cannot interrupt its own blocking read: a second session kills the query,
        # which then fails with 1317. https://mariadb.com/kb/en/kill/
        if backend_id is None:
            return
        killer = control or self.connect(endpoint)
        try:
            killer.cursor().execute(f"KILL QUERY {int(backend_id)}")
        finally:
            if killer is not control:
                killer.close()

    # -- load hooks --
    default_row_values = "() VALUES ()"  # MySQL has no DEFAULT VALUES

    # -- mysql driver hooks --
    # MariaDB Connector/Python (C, binary-protocol prepared statements) for the load's hot
    # path: far fewer CPU microseconds per query than pure-Python PyMySQL, on the cores the
    # server needs too (README, benchmarks/load.py). PyMySQL serves when it is absent.
    # https://mariadb.com/docs/connectors/mariadb-connector-python/
    load_drivers = ("mariadb", "pymysql")
    load_driver_env = "ARENA_MYSQL_DRIVER"

    # -- report hooks --
    connections_sql = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()"
    database_size_sql = (
        "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES "
        "WHERE table_schema = DATABASE()"
    )

    # -- variants hooks (instances ENGINE@VARIANT: settings, versions; issue 15) ----------
    reported_settings = (
        "innodb_buffer_pool_size", "innodb_flush_log_at_trx_commit", "sync_binlog",
        "max_connections", "innodb_log_file_size", "innodb_flush_method",
    )  # fmt: skip
    isolation_settings = ("transaction_isolation", "tx_isolation")
    version_parts = 2  # MariaDB 10.11, MySQL 8.4

    def setting_flags(self, settings: dict[str, str]) -> list[str]:
        # mysqld options, as my.cnf's [mysqld] lines would be; an unknown one stops the
        # server ("unknown variable"). https://mariadb.com/kb/en/mariadbd-options/
        return [f"--{key}={value}" for key, value in settings.items()]

    def read_settings(self, endpoint: Endpoint, names: list[str]) -> dict[str, str]:
        wanted = [n.lower().replace("-", "_") for n in names]
        if not wanted:
            return {}
        conn = self.connect(endpoint, connect_timeout=5)
        try:
            cur = conn.cursor()
            marks = ", ".join(["%s"] * len(wanted))
            cur.execute(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({marks})", wanted)
            return {str(k): str(v) for k, v in sorted(cur.fetchall())}
        finally:
            conn.close()


# Accounts that can log in without arena's password: anonymous ones, empty passwords, and
# socket-authenticated ones (which admit an OS user of the same name). Locked system accounts
# (mariadb.sys, mysql.sys, mysql.session...) cannot log in and stay. MySQL has
# mysql.user.account_locked; MariaDB keeps it (and alternative auth methods, auth_or) in
# mysql.global_priv's JSON.
OPEN_ACCOUNTS_SQL = (
    "SELECT user, host FROM mysql.user WHERE account_locked <> 'Y' AND "
    "(user = '' OR authentication_string = '' OR plugin IN ('unix_socket', 'auth_socket'))"
)
MARIADB_ACCOUNTS_SQL = "SELECT user, host, priv FROM mysql.global_priv"
SOCKET_PLUGINS = ("unix_socket", "auth_socket")


def _mariadb_open(priv: dict) -> bool:
    if priv.get("account_locked") or priv.get("is_role"):
        return False
    methods = priv.get("auth_or") or [priv]
    return any(
        m.get("plugin", "mysql_native_password") in SOCKET_PLUGINS
        or not m.get("authentication_string")
        for m in methods
    )


def open_accounts(cursor: Any) -> list[tuple[str, str]]:
    """(user, host) of every account that logs in without a password."""
    cursor.execute("SELECT VERSION()")
    if "mariadb" not in str(cursor.fetchone()[0]).lower():
        cursor.execute(OPEN_ACCOUNTS_SQL)
        return [(str(user), str(host)) for user, host in cursor.fetchall()]
    cursor.execute(MARIADB_ACCOUNTS_SQL)
    return [
        (str(user), str(host))
        for user, host, priv in cursor.fetchall()
        if user == "" or _mariadb_open(json.loads(priv or "{}"))
    ]


def drop_open_accounts(cursor: Any) -> list[tuple[str, str]]:
    dropped = open_accounts(cursor)
    for user, host in dropped:
        cursor.execute("DROP USER %s@%s", (user, host))
    return dropped


@cache
def is_mariadb_binary(path: str) -> bool:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    return "mariadb" in (out.stdout + out.stderr).lower()
