"""MySQL and MariaDB: PyMySQL (pure Python), the fallback when MariaDB Connector/Python is
absent (drivers/mysql_mariadb.py) or ARENA_MYSQL_DRIVER=pymysql picks it
(Engine.load_driver).

`arena load` runs a PyMySQL user alone in its process (`--workers N` with N >= users) in an
OS thread of its own (`own_thread`, see arena/load/threads.py) over a plain blocking socket,
like a bare loop: over gevent's patched socket every read went through the hub, which cost
the client 16 µs a query more than a bare loop (35 against 19, benchmarks/load.py). Users
sharing a process stay greenlets on gevent's cooperative socket.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from gevent.monkey import get_original

from arena.load.drivers import Session
from arena.load.threads import on_hub_thread

if TYPE_CHECKING:
    from arena.engines.base import Engine

CONNECT_TIMEOUT_S = 5
_blocking_socket = get_original("socket", "socket")
_getaddrinfo = get_original("socket", "getaddrinfo")


def blocking_connection(host: str, port: int) -> Any:
    """A connected TCP socket of the standard library's own class (gevent's is what
    `socket.socket` is once Locust has patched the process)."""
    error: OSError | None = None
    for family, kind, proto, _, address in _getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        sock = _blocking_socket(family, kind, proto)
        try:
            sock.settimeout(CONNECT_TIMEOUT_S)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return sock
    raise error or OSError(f"no address for {host}:{port}")


class MySQLSession(Session):
    @classmethod
    def own_thread(cls, users_per_process: int) -> bool:
        # Pure Python holds the GIL: two PyMySQL threads in one process convoy on it (2
        # users: 14.5k/s in threads, 27-30k as greenlets), so only a user alone gets one.
        return users_per_process <= 1

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

    def connect(self) -> Any:
        if on_hub_thread():  # a greenlet: gevent's cooperative socket
            return super().connect()
        ep = self.endpoint
        conn = self.engine.connect(ep, connect_timeout=CONNECT_TIMEOUT_S, defer_connect=True)
        conn.connect(blocking_connection(ep.host, ep.port))
        return conn

    @property
    def broken(self) -> bool:
        return not self.conn.open
