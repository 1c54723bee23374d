"""What `arena load` was asked: the same for every engine of a run. Pure data (no Locust), so
the CLI can check options before anything is imported or started."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arena.load.patterns import MixSpec
from arena.load.shapes import StagedShape


@dataclass(frozen=True, slots=True)
class LoadConfig:
    shape: StagedShape
    mix: MixSpec
    seed: int = 42
    tps: float | None = None
    arrival: str = "poisson"
    think_time: float = 0.0
    workers: int = 0
    remote_workers: int = 0
    parallel: bool = False
    web: bool = False
    master_bind: str = "127.0.0.1"
    master_port: int = 0
    # An engine whose failed operations exceed this share of all attempts is "failed".
    max_error_rate: float = 0.01

    @property
    def processes(self) -> int:
        return max(1, self.workers + self.remote_workers)

    @property
    def users_per_process(self) -> int:
        """The most users one process gets (Locust spreads them evenly)."""
        return -(-self.shape.max_users // self.processes)

    def describe(self) -> dict[str, Any]:
        return {
            "shape": self.shape.name,
            "stages": self.shape.describe(),
            "duration_s": self.shape.duration,
            "max_users": self.shape.max_users,
            "mix": self.mix.to_dict(),
            "seed": self.seed,
            "model": "open" if self.tps else "closed",
            "tps": self.tps,
            "arrival": self.arrival if self.tps else None,
            "think_time_s": self.think_time,
            "workers": self.workers,
            "remote_workers": self.remote_workers,
            "parallel": self.parallel,
            "max_error_rate": self.max_error_rate,
        }
