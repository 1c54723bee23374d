"""Where the users run: one protocol (`Cluster`) the monitor drives, and the in-process
topology (`LocalCluster`); worker processes are arena/load/master.py's MasterCluster.

A cluster is made once per run (per engine with --parallel) and loads one engine after
another: prepare(plan) -> start(shape, at) -> collect() each second ... stop() -> finalize().
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

from locust.env import Environment
from locust.runners import STATE_STOPPED

from arena.load.glue import Holder, ShapeAdapter, make_user_class, wall_second
from arena.load.metrics import Interval
from arena.load.process import make_process
from arena.load.shapes import StagedShape

Collected = list[tuple[int, str, Interval]]  # (wall second, source, what it measured)


class Cluster(ABC):
    """One Locust Environment with arena's user class and shape adapter."""

    sources = 1  # processes that report each second

    def __init__(self) -> None:
        self.holder = Holder()
        self.shape = ShapeAdapter()
        self.env = Environment(
            user_classes=[make_user_class(self.holder)], shape_class=self.shape, stop_timeout=0
        )
        self.runner: Any = None
        self.web: Any = None
        self.stopped_at: float | None = None
        self.env.events.test_stopping.add_listener(self._on_stopping)

    def _open_web(self, web_port: int | None) -> None:
        if web_port:
            self.web = self.env.create_web_ui("127.0.0.1", web_port)

    def _on_stopping(self, **_: Any) -> None:
        self.stopped_at = self.stopped_at or time.perf_counter()

    def _set_shape(self, shape: StagedShape, start_at: float) -> None:
        self.stopped_at = None
        self.shape.shape, self.shape.lead = shape, start_at - time.time()

    @abstractmethod
    def prepare(self, plan: dict[str, Any]) -> None:
        """Every process gets the engine's plan and connects; raises if one cannot."""

    @abstractmethod
    def start(self, shape: StagedShape, start_at: float) -> None:
        """Users spawn now and start work at `start_at` (wall clock)."""

    @abstractmethod
    def collect(self) -> Collected:
        """What every process measured since the last call."""

    @abstractmethod
    def finished(self) -> bool: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def finalize(self) -> Collected:
        """The last numbers of every process, after stop()."""

    def close(self) -> None:
        if self.web is not None:
            self.web.stop()


class LocalCluster(Cluster):
    """Users as greenlets in this process (one core at most)."""

    def __init__(self, web_port: int | None = None) -> None:
        super().__init__()
        self.runner = self.env.create_local_runner()
        self._open_web(web_port)

    def prepare(self, plan: dict[str, Any]) -> None:
        self.holder.process = make_process(plan)

    def start(self, shape: StagedShape, start_at: float) -> None:
        self._set_shape(shape, start_at)
        if self.holder.process is not None:
            self.holder.process.begin_at(start_at)
        self.runner.start_shape()

    def collect(self) -> Collected:
        process = self.holder.process
        if process is None:
            return []
        return [(wall_second(), "local", process.recorder.drain(process.users))]

    def finished(self) -> bool:
        return self.runner.state == STATE_STOPPED

    def stop(self) -> None:
        # Stamp the end before runner.stop(): it walks inspect.stack() for a debug log line
        # (~30 ms here) before test_stopping fires, while the users are already told to stop.
        self.stopped_at = self.stopped_at or time.perf_counter()
        if self.holder.process is not None:
            self.holder.process.stopped = True
        self.runner.stop()

    def finalize(self) -> Collected:
        intervals = self.collect()
        self.holder.process = None
        return intervals

    def close(self) -> None:
        self.runner.quit()
        super().close()
