"""Values that cross module boundaries. Frozen, so they can be shared and compared safely."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a started engine can be reached, and what arena needs to stop it again."""

    engine: str  # the engine's registry name (postgres); `instance` names this server
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
    # how (cgroup v2/v1, CPU affinity) and whether they applied natively (see runtime/limits.py).
    limits: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # The instance name (postgres@tuned); "" in state written before variants: the engine's.
    name: str = ""
    # Server settings as asked with --set / a variants file, and as read back from the server
    # after start (SHOW / SHOW VARIABLES / PRAGMA): results record the effective ones.
    requested_settings: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def instance(self) -> str:
        return self.name or self.engine

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
    # The instance being started (postgres@tuned), the server version it asks for (None: the
    # runtime's default) and its server settings (postgresql.conf / mysqld options / PRAGMAs).
    name: str = ""
    version: str | None = None
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Health:
    """What `arena ps` shows for one engine."""

    endpoint: Endpoint
    status: str  # "up", "down", "crashed", "unhealthy"
    detail: str = ""
