"""One load user's database session: connect, run an Operation, notice a lost connection.
One module per engine family whose driver needs more than DB-API (postgres, mysql,
sqlserver); SESSIONS maps a family to its Session class, the DB-API one serves the rest.

Imported only after locust (gevent's monkey-patching), by arena/load/process.py.

Why each driver is handled the way it is:
- psycopg (PostgreSQL, Supabase): see drivers/postgres.py (libpq's pq layer, prepared).
- MySQL, MariaDB: MariaDB Connector/Python (C) when installed, see drivers/mysql_mariadb.py;
  else PyMySQL: pure Python over the patched socket, cooperative as is, CPU-bound in Python.
- sqlite3: in-process and quick; its calls block the hub briefly, by nature.
- pyodbc (SQL Server): a C driver that blocks the hub, so its calls run in gevent's thread
  pool (real OS threads), sized to the users. https://www.gevent.org/api/gevent.threadpool.html
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
from typing import TYPE_CHECKING, Any

import gevent
from gevent import get_hub

from arena.engines.base import error_text

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.load.operations import Operation
    from arena.models import Endpoint

# Load users alive in this OS process (all engines, all environments): one means "solo".
ACTIVE_USERS = [0]


class Session:
    """A DB-API connection plus how to run operations on it."""

    prepare = False

    @classmethod
    def own_thread(cls, users_per_process: int) -> bool:
        """Whether `arena load` runs each user in an OS thread of its own
        (arena/load/threads.py) rather than in a greenlet: for a driver whose calls block
        their thread, given the most users a process will have."""
        return False

    @classmethod
    def errors(cls, engine: Engine) -> tuple[type[BaseException], ...]:
        """What a failed operation or a lost connection raises through this session."""
        return tuple(engine.driver_errors())

    def __init__(self, engine: Engine, endpoint: Endpoint) -> None:
        self.engine = engine
        self.endpoint = endpoint
        self.conn = self.connect()
        self.cur = self.conn.cursor()

    @classmethod
    def with_driver(cls, driver: str) -> type[Session]:
        """The Session class for the load driver `driver` (Engine.load_driver): this one,
        unless the family has several drivers."""
        return cls

    @classmethod
    def version(cls, driver: str) -> str:
        """The driver's version, as results record it next to its name."""
        # The installed distribution's version (PyMySQL's __version__ is the MySQLdb one it
        # imitates); sqlite3, part of Python, by its library's version.
        try:
            version = importlib.metadata.version(driver)
        except importlib.metadata.PackageNotFoundError:
            module = importlib.import_module(driver)
            version = getattr(module, "sqlite_version", None) or getattr(module, "version", "")
        return str(version)

    def connect(self) -> Any:
        return self.engine.connect(self.endpoint, connect_timeout=5)

    def run(self, op: Operation, params: tuple[Any, ...]) -> Any:
        """Execute; read every row back (a client that asks for rows reads them). Returns the
        new key for inserts that return it."""
        cur = self.cur
        cur.execute(op.sql, params)
        if cur.description is not None:
            rows = cur.fetchall()
            if op.returns_key and rows:
                return rows[0][0]
        elif op.key_from_lastrowid:
            return cur.lastrowid
        return None

    def execute(self, sql: str, params: tuple[Any, ...]) -> tuple[list[str] | None, list, int, Any]:
        """One statement of a scenario workflow through the DB-API cursor: (column names or
        None, rows, rowcount, lastrowid)."""
        cur = self.cur
        cur.execute(sql, params)
        if cur.description is None:
            return None, [], cur.rowcount, getattr(cur, "lastrowid", None)
        return [d[0] for d in cur.description], cur.fetchall(), cur.rowcount, None

    @property
    def broken(self) -> bool:
        return False

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead connection: nothing to do
            self.conn.close()


def session_class(engine: Engine, driver: str | None = None) -> type[Session]:
    """The Session for `engine` on the load driver `driver` (default: the one
    Engine.load_driver picks here; the master sends its pick to every worker)."""
    return SESSIONS.get(engine.family, Session).with_driver(driver or engine.load_driver())


def driver_version(engine: Engine, driver: str) -> str:
    """The version of the load driver `driver`, e.g. "1.2.4" (pymysql)."""
    return session_class(engine, driver).version(driver)


def open_session(engine: Engine, endpoint: Endpoint, driver: str | None = None) -> Session:
    """A session of the load driver `driver` (default: Engine.load_driver's pick)."""
    return session_class(engine, driver)(engine, endpoint)


def size_thread_pool(users: int) -> None:
    pool = get_hub().threadpool
    pool.maxsize = max(pool.maxsize, users)


def error_kind(exc: BaseException, engine: Engine | None = None) -> str:
    """A short, stable name for an error: what it means to a workload (the engine's
    classify_error: unique, deadlock, serialization...; the driver's class when unknown),
    plus the server's code when there is one."""
    name = type(exc).__name__
    if engine is not None:
        kind = engine.classify_error(exc)
        if kind != "other":
            name = str(kind)
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int) and errno > 0 and not isinstance(exc, OSError):
        # MariaDB Connector/Python: the number PyMySQL puts in args[0], so both drivers
        # name an error alike (its SQLSTATE is coarser: 23000 for every integrity error).
        return f"{name} ({errno})"
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate:
        return f"{name} ({sqlstate})"
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return f"{name} ({args[0]})"
    return name


def describe(exc: BaseException) -> str:
    return error_text(exc)


def pause(seconds: float) -> None:
    gevent.sleep(seconds)


# The per-family sessions subclass Session above, so they are imported after it.
from arena.load.drivers.mysql import MySQLSession  # noqa: E402
from arena.load.drivers.postgres import PostgresSession  # noqa: E402
from arena.load.drivers.sqlserver import ThreadPoolSession  # noqa: E402

# Engine family -> its Session class; a family not listed uses the DB-API Session.
SESSIONS: dict[str, type[Session]] = {
    "postgres": PostgresSession,
    "mysql": MySQLSession,
    "sqlserver": ThreadPoolSession,
}
