"""The fastest bulk path per engine family, one transaction per table (see base.py).

One module per family: postgres.py (COPY), mysql.py (LOAD DATA LOCAL INFILE), sqlite.py
(executemany), sqlserver.py (fast_executemany). The registry is keyed by Engine.family,
the same style as arena/introspect and arena/load: a new family adds a module and a row.
"""

from __future__ import annotations

from arena.engines.base import Engine
from arena.models import Endpoint
from arena.seed.loaders.base import Cancelled, CancelToken, Loader, LoadError, produce
from arena.seed.loaders.mysql import MySQLLoader
from arena.seed.loaders.postgres import PostgresLoader
from arena.seed.loaders.sqlite import SQLiteLoader
from arena.seed.loaders.sqlserver import SqlServerLoader, sqlserver_statements

LOADERS: dict[str, type[Loader]] = {
    "postgres": PostgresLoader,
    "mysql": MySQLLoader,
    "sqlite": SQLiteLoader,
    "sqlserver": SqlServerLoader,
}


def loader_for(engine: Engine, endpoint: Endpoint, token: CancelToken | None = None) -> Loader:
    return LOADERS[engine.family](engine, endpoint, token=token)


__all__ = [
    "LOADERS",
    "CancelToken",
    "Cancelled",
    "LoadError",
    "Loader",
    "loader_for",
    "produce",
    "sqlserver_statements",
]
