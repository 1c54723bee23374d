"""The runtime interface: how to start, stop, inspect and talk to a server process.

One narrow interface for docker, native and embedded; engines supply the data (image, env,
binaries, commands, probes), runtimes supply the mechanics.
"""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from arena.engines.base import Engine
from arena.errors import ArenaError, PortInUseError
from arena.models import Endpoint, Health, StartOptions
from arena.state import ProjectState


class Runtime(ABC):
    name: ClassVar[str]

    def __init__(self, state: ProjectState) -> None:
        self.state = state

    @abstractmethod
    def check_available(self, engine: Engine) -> None:
        """Raise an ArenaError naming what to install when this runtime cannot run `engine`."""

    @abstractmethod
    def start(self, engine: Engine, options: StartOptions) -> Endpoint:
        """Start the engine, wait until it accepts a real connection, return its endpoint."""

    @abstractmethod
    def stop(self, endpoint: Endpoint, purge: bool = False) -> None:
        """Stop cleanly; with purge also delete its data."""

    @abstractmethod
    def status(self, engine: Engine, endpoint: Endpoint) -> Health:
        """Live health: up, unhealthy (process there, no answer), crashed, down."""

    @abstractmethod
    def logs(self, endpoint: Endpoint, tail: int = 50) -> str:
        """The server's last log lines."""

    def discover(self) -> list[Endpoint]:
        """Engines of this project the runtime can find without the state file."""
        return []

    def purge_leftovers(self, instance: str) -> bool:
        """`down --purge` of an instance no longer up: delete the data it left; True if any."""
        return False

    def leftover_instances(self) -> list[str]:
        """Instance names this runtime holds data for in this project (up or not)."""
        return []

    def versions(self, engine: Engine) -> dict[str, str]:
        """Server versions this runtime can start here -> where from (bin dir, image)."""
        return {}

    def check_version(self, engine: Engine, version: str | None) -> None:
        """Raise an ArenaError listing what is available when `version` cannot start here."""
        if version is not None:
            from arena.instances import VariantError

            raise VariantError(
                f"The {self.name} runtime cannot choose a version of {engine.display_name} "
                f"(asked: {version}).",
                "Drop the version from the name, or use a runtime that has versions.",
            )


def check_port(port: int | None) -> int | None:
    """A TCP port a server can listen on (1-65535); 0 would let the kernel pick one the
    state file could not record."""
    if port is not None and not 1 <= port <= 65535:
        raise ArenaError(
            f"Invalid port {port}: a port is a number from 1 to 65535.",
            "Use e.g. --port postgres=5433, or leave --port out for a free one.",
        )
    return port


def check_purge_path(path: Path | str, roots: list[Path]) -> Path:
    """`path` resolved, if it lies strictly inside one of the project's data roots; purge
    deletes nothing else, whatever a (hand-edited, corrupted) state file names."""
    resolved = Path(path).resolve()
    for root in roots:
        root = Path(root).resolve()
        if resolved != root and resolved.is_relative_to(root):
            return resolved
    raise ArenaError(
        f"Refusing to delete {resolved}: it is outside this project's data directories "
        f"({', '.join(str(r) for r in roots)}).",
        "The state file names a foreign path; delete that data by hand if it is yours.",
    )


def free_port(requested: int | None = None) -> int:
    """A free port on 127.0.0.1: the requested one if it is free, else any the kernel gives."""
    check_port(requested)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if requested is None:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
        try:
            sock.bind(("127.0.0.1", requested))
        except OSError:
            raise PortInUseError(
                f"Port {requested} on 127.0.0.1 is already in use.",
                "Pick another with --port ENGINE=PORT, or leave --port out for a free one.",
            ) from None
        return requested


def tail_file(path, lines: int = 20) -> str:
    if lines <= 0:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
