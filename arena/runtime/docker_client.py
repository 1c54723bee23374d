"""Talking to the Docker daemon: is one there, a client that answered, and small helpers on
containers (running?, last log lines) and HTTP readiness."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from typing import Any

from arena.errors import RuntimeUnavailableError


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


def docker_host() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def connect_client(timeout: float = 120.0) -> Any:
    """A Docker SDK client whose daemon answered a ping, or a one-line error saying why not."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except DockerException as exc:
        raise daemon_error(str(exc)) from None
    except Exception as exc:  # requests' ConnectionError and friends
        raise daemon_error(str(exc)) from None


def daemon_error(reason: str) -> RuntimeUnavailableError:
    if "Permission denied" in reason or "PermissionError" in reason:
        return RuntimeUnavailableError(
            f"Permission denied on the Docker socket ({docker_host()}).",
            "Add your user to the docker group (sudo usermod -aG docker $USER, then log in "
            "again) or run arena as root; or use --runtime native.",
        )
    return RuntimeUnavailableError(
        f"No Docker daemon answers at {docker_host()}.",
        "Start it (sudo systemctl start docker, or scripts/docker-ci.sh daemon), "
        "or use --runtime native.",
    )


def container_running(container: Any) -> bool:
    from docker.errors import NotFound

    try:
        container.reload()
    except NotFound:
        return False
    return container.status in ("created", "running")


def container_log_tail(container: Any, lines: int) -> str:
    if lines <= 0:
        return ""
    try:
        return container.logs(tail=lines).decode("utf-8", "replace").rstrip()
    except Exception:
        return ""


def http_get(url: str, timeout: float = 3.0) -> int:
    """A real HTTP request; raises until the server answers with a non-5xx status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise
        return exc.code


__all__ = [
    "connect_client", "container_log_tail", "container_running", "daemon_answers",
    "daemon_error", "docker_host", "http_get",
]  # fmt: skip
