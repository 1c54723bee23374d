"""The engine registry: name -> Engine. Unknown names fail with a did-you-mean."""

from __future__ import annotations

from arena.engines.base import Capabilities, Engine
from arena.engines.mariadb import MariaDB
from arena.engines.mysql import MySQL
from arena.engines.postgres import Postgres
from arena.engines.sqlite import SQLite
from arena.engines.sqlserver import SqlServer
from arena.engines.supabase import Supabase
from arena.errors import UnknownNameError

ENGINES: dict[str, type[Engine]] = {
    cls.name: cls for cls in (Postgres, MySQL, MariaDB, SqlServer, Supabase, SQLite)
}


def get_engine(name: str) -> Engine:
    try:
        return ENGINES[name.lower()]()
    except KeyError:
        raise UnknownNameError(
            "engine", name, ENGINES, "Run `arena engines` to list them."
        ) from None


def all_engines() -> list[Engine]:
    return [cls() for cls in ENGINES.values()]


__all__ = ["ENGINES", "Capabilities", "Engine", "all_engines", "get_engine"]
