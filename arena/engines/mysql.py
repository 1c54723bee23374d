"""MySQL: PyMySQL, mysqld natively (MariaDB's mysqld stands in where Oracle's is absent, and
the real server version is reported), the official mysql:8.4 image in docker."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from typing import TYPE_CHECKING, Any

from arena.engines.base import Capabilities, Engine

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

    # -- load hooks --
    insert_ignore_style = "ignore"
    default_row_values = "() VALUES ()"  # MySQL has no DEFAULT VALUES


@cache
def is_mariadb_binary(path: str) -> bool:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    return "mariadb" in (out.stdout + out.stderr).lower()
