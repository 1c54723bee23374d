"""SQLite: the embedded default. One file in .arena/, the stdlib driver, nothing to start."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from arena.engines.base import Capabilities, Engine

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
    type_names = {
        "smallint": "INTEGER", "int": "INTEGER", "bigint": "INTEGER", "decimal": "NUMERIC",
        "float": "REAL", "bool": "INTEGER", "char": "TEXT", "varchar": "TEXT", "text": "TEXT",
        "date": "TEXT", "time": "TEXT", "timestamp": "TEXT", "timestamptz": "TEXT",
        "json": "TEXT", "uuid": "TEXT", "blob": "BLOB", "serial_pk": "INTEGER",
    }  # fmt: skip
    capabilities = Capabilities(
        returning=True,  # since 3.35
        skip_locked=False,
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
        return conn

    def server_version(self, conn: Any) -> str:
        return f"SQLite {super().server_version(conn)}"

    # -- load hooks --
    insert_ignore_style = "on_conflict"
