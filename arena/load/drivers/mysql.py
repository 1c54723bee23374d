"""MySQL and MariaDB: PyMySQL (pure Python over gevent's patched socket, cooperative as is),
the fallback when MariaDB Connector/Python is absent (drivers/mysql_mariadb.py) or
ARENA_MYSQL_DRIVER=pymysql picks it (Engine.load_driver)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arena.load.drivers import Session

if TYPE_CHECKING:
    from arena.engines.base import Engine


class MySQLSession(Session):
    @classmethod
    def with_driver(cls, driver: str) -> type[Session]:
        if driver == "mariadb":
            from arena.load.drivers.mysql_mariadb import MariaDBSession

            return MariaDBSession
        return cls

    @classmethod
    def errors(cls, engine: Engine) -> tuple[type[BaseException], ...]:
        # PyMySQL raises plain OSError-family errors when the server vanishes mid-packet.
        return (*super().errors(engine), OSError)

    @property
    def broken(self) -> bool:
        return not self.conn.open
