"""SQL Server (pyodbc): a C driver that blocks gevent's hub, so every call runs in gevent's
native thread pool, sized to the users. https://www.gevent.org/api/gevent.threadpool.html"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gevent import get_hub

from arena.load.drivers import Session

if TYPE_CHECKING:
    from arena.load.operations import Operation


class ThreadPoolSession(Session):
    """pyodbc: every call in gevent's native thread pool so the hub keeps running."""

    def connect(self) -> Any:
        return get_hub().threadpool.apply(super().connect)

    def run(self, op: Operation, params: tuple[Any, ...]) -> Any:
        return get_hub().threadpool.apply(Session.run, (self, op, params))

    def execute(self, sql: str, params: tuple[Any, ...]) -> Any:
        return get_hub().threadpool.apply(Session.execute, (self, sql, params))
