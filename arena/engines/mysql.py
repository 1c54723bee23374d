"""MySQL: PyMySQL, mysqld natively (MariaDB's mysqld stands in where Oracle's is absent, and
the real server version is reported), the official mysql:8.4 image in docker."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from typing import TYPE_CHECKING, Any

from arena.engines.base import Capabilities, Engine
from arena.errors import ErrorKind

if TYPE_CHECKING:
    from arena.models import Endpoint
    from arena.runtime.native import NativeContext


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
        if endpoint.extra.get("socket") and options.pop("via_socket", False):
            return pymysql.connect(
                unix_socket=endpoint.extra["socket"], user="root", password="", **options
            )
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

    # -- native ---------------------------------------------------------------------------
    def native_initialize(self, ctx: NativeContext) -> None:
        server = ctx.bins["server"]
        if is_mariadb_binary(server):
            installer = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
            if installer is None:
                ctx.missing("mariadb-install-db", "apt-get install mariadb-server")
            # normal auth: root@localhost gets an empty password (set in bootstrap) instead
            # of unix_socket auth, which would only admit the OS user root.
            ctx.run(
                [
                    installer, "--no-defaults", f"--datadir={ctx.data_dir}",
                    "--auth-root-authentication-method=normal", "--skip-test-db",
                ]
            )  # fmt: skip
        else:
            ctx.run([server, "--no-defaults", "--initialize-insecure", f"--datadir={ctx.data_dir}"])

    def native_command(self, ctx: NativeContext) -> list[str]:
        return [
            ctx.bins["server"], "--no-defaults", f"--datadir={ctx.data_dir}",
            f"--port={ctx.port}", "--bind-address=127.0.0.1", f"--socket={ctx.socket_path}",
            f"--pid-file={ctx.home / 'mysqld.pid'}", "--skip-name-resolve", "--local-infile=1",
            "--skip-log-bin",
        ]  # fmt: skip

    def native_ready(self, ctx: NativeContext) -> str:
        if not ctx.first_start:
            return self.probe(ctx.endpoint)
        # Before bootstrap only root exists, with an empty password, reachable on the socket.
        conn = self.connect(ctx.endpoint, via_socket=True, connect_timeout=3)
        try:
            return self.server_version(conn)
        finally:
            conn.close()

    def native_bootstrap(self, ctx: NativeContext) -> None:
        conn = self.connect(ctx.endpoint, via_socket=True)
        try:
            cur = conn.cursor()
            for host in ("127.0.0.1", "localhost"):
                cur.execute(
                    f"CREATE USER IF NOT EXISTS %s@'{host}' IDENTIFIED BY %s",
                    (ctx.user, ctx.password),
                )
                cur.execute(
                    f"GRANT ALL PRIVILEGES ON *.* TO %s@'{host}' WITH GRANT OPTION", (ctx.user,)
                )
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {self.quote(ctx.database)}")
            cur.execute("ALTER USER 'root'@'localhost' IDENTIFIED BY %s", (ctx.password,))
        finally:
            conn.close()

    # -- domains hooks (DDL rendering, transactions, isolation, error classification) ----
    catalog_module = "arena.introspect.mysql"
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
        1064: ErrorKind.SYNTAX,
    }  # fmt: skip

    def error_code(self, exc: BaseException) -> str | int | None:
        if isinstance(exc, self.driver_module().err.InterfaceError):
            return 2006  # PyMySQL: the connection is already closed
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
        import json

        access: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("access_type"), str):
                    access.append(node["access_type"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(json.loads(plan))
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


@cache
def is_mariadb_binary(path: str) -> bool:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    return "mariadb" in (out.stdout + out.stderr).lower()
