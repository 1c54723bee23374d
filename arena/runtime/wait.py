"""Readiness waits: poll a real probe until it answers, the process dies, or time runs out.

The timeout error carries the last thing the probe said, the server's last log lines and a
hint, so a failed start explains itself (the testcontainers pattern, without bare sleeps).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from arena.errors import ReadinessTimeout

T = TypeVar("T")


@dataclass
class WaitForReady(Generic[T]):
    what: str  # e.g. "PostgreSQL on 127.0.0.1:5432"
    probe: Callable[[], T]  # raises until the server answers
    timeout: float
    hint: str
    still_running: Callable[[], bool] | None = None
    log_tail: Callable[[], str] | None = None
    interval: float = 0.1
    max_interval: float = 1.0

    def wait(self) -> T:
        deadline = time.monotonic() + self.timeout
        interval = self.interval
        last_error: BaseException | None = None
        while True:
            try:
                return self.probe()
            except Exception as exc:  # any failure to connect means "not yet"
                last_error = exc
            if self.still_running is not None and not self.still_running():
                raise ReadinessTimeout(
                    f"{self.what} exited while starting.", self.hint, self._evidence(last_error)
                )
            if time.monotonic() >= deadline:
                raise ReadinessTimeout(
                    f"{self.what} did not accept connections within {self.timeout:.0f}s.",
                    self.hint,
                    self._evidence(last_error),
                )
            time.sleep(interval)
            interval = min(interval * 1.5, self.max_interval)

    def _evidence(self, last_error: BaseException | None) -> str:
        lines = []
        if last_error is not None:
            lines.append(f"last probe error: {' '.join(str(last_error).split())}")
        if self.log_tail is not None:
            tail = self.log_tail().rstrip()
            if tail:
                lines.append("last log lines:")
                lines.extend(f"  {line}" for line in tail.splitlines())
        return "\n".join(lines)
