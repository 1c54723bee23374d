"""Values that cross module boundaries. Frozen, so they can be shared and compared safely."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a started engine can be reached, and what arena needs to stop it again."""

    engine: str
    runtime: str
    host: str
    port: int | None
    database: str
    user: str
    password: str = field(repr=False)
    version: str = ""
    # Runtime-specific handles: pid and data dir (native), container id (docker), file (sqlite).
    pid: int | None = None
    data_dir: str | None = None
    container_id: str | None = None
    path: str | None = None
    started_at: float = 0.0
    # Resource limits applied at start (docker --cpus/--memory); recorded for fair comparisons.
    limits: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        if self.path:
            return self.path
        return f"{self.host}:{self.port}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Endpoint:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def replace(self, **changes: Any) -> Endpoint:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class StartOptions:
    """What the user asked of `arena up`, passed unchanged to the runtime."""

    port: int | None = None
    image: str | None = None
    cpus: float | None = None
    memory: str | None = None
    network: str | None = None


@dataclass(frozen=True, slots=True)
class Health:
    """What `arena ps` shows for one engine."""

    endpoint: Endpoint
    status: str  # "up", "down", "crashed", "unhealthy"
    detail: str = ""
