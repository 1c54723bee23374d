"""Docker runtime. The interface is fixed here; the implementation lands with issue 3."""

from __future__ import annotations

from arena.engines.base import Engine
from arena.errors import RuntimeUnavailableError
from arena.models import Endpoint, Health, StartOptions
from arena.runtime.base import Runtime


def daemon_answers(timeout: float = 2.0) -> bool:
    """True when a Docker daemon answers a ping on the configured socket."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


class DockerRuntime(Runtime):
    name = "docker"

    def check_available(self, engine: Engine) -> None:
        raise RuntimeUnavailableError(
            "The docker runtime is not implemented yet.", "Use --runtime native."
        )

    def start(self, engine: Engine, options: StartOptions) -> Endpoint:
        self.check_available(engine)
        raise AssertionError("unreachable")

    def stop(self, endpoint: Endpoint, purge: bool = False) -> None:
        self.check_available(None)  # type: ignore[arg-type]

    def status(self, engine: Engine, endpoint: Endpoint) -> Health:
        return Health(endpoint, "unhealthy", "docker runtime not implemented")

    def logs(self, endpoint: Endpoint, tail: int = 50) -> str:
        return ""
