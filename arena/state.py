"""Project-local state in ./.arena/ (like docker compose: the directory is the project).

state.json holds endpoints and the project's random passwords, so it is 0600. The .arena
directory itself is 0711: native servers run as an unprivileged user and must be able to
traverse into their own data directory under .arena/native/<engine>/, but not list ours.
A second shell in the same directory sees the same engines; writes take an flock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from arena.errors import StateError
from arena.models import Endpoint

STATE_DIR_NAME = ".arena"


def project_root() -> Path:
    return Path(os.environ.get("ARENA_PROJECT_DIR", os.getcwd())).resolve()


def project_id(root: Path | None = None) -> str:
    """A short stable hash of the project directory: labels containers, names sockets."""
    root = root or project_root()
    return hashlib.sha256(str(root).encode()).hexdigest()[:12]


def new_password(length: int = 24) -> str:
    """Random password with upper, lower and digits (meets SQL Server's complexity rule) and
    no punctuation, so it never needs escaping in a URL, a shell or an ODBC string."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate


class ProjectState:
    """Read/write access to .arena/state.json, locked against concurrent shells."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or project_root()
        self.dir = self.root / STATE_DIR_NAME
        self.file = self.dir / "state.json"
        self.id = project_id(self.root)

    # -- directories ---------------------------------------------------------------------
    def ensure_dir(self, *parts: str, mode: int = 0o711) -> Path:
        path = self.dir.joinpath(*parts)
        try:
            for p in [self.dir, *[self.dir.joinpath(*parts[: i + 1]) for i in range(len(parts))]]:
                try:
                    p.mkdir(mode=mode)
                    os.chmod(p, mode)  # mkdir's mode is filtered by the umask
                except FileExistsError:  # another engine starting beside us made it
                    pass
            if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
                raise PermissionError(13, "Permission denied")
        except OSError as exc:
            raise StateError(
                f"Cannot write arena's state directory {path}: {exc.strerror}.",
                "Run arena from a directory you can write to, or set ARENA_PROJECT_DIR.",
            ) from exc
        return path

    # -- the JSON document ---------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        if not self.file.exists():
            return {"project": self.id, "root": str(self.root), "endpoints": {}, "passwords": {}}
        try:
            return json.loads(self.file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise StateError(
                f"Cannot read {self.file}: {exc}.",
                "Fix or delete the file; `arena ps` finds docker containers by label.",
            ) from exc

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.file)

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        """Read-modify-write under an exclusive lock; the dict is saved on exit."""
        self.ensure_dir()
        lock_path = self.dir / "state.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = self._read()
            yield data
            self._write(data)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def snapshot(self) -> dict[str, Any]:
        return self._read()

    # -- typed accessors -----------------------------------------------------------------
    def endpoints(self) -> dict[str, Endpoint]:
        raw = self.snapshot().get("endpoints", {})
        return {name: Endpoint.from_dict(ep) for name, ep in raw.items()}

    def endpoint(self, engine: str) -> Endpoint | None:
        return self.endpoints().get(engine)

    def save_endpoint(self, endpoint: Endpoint) -> None:
        with self.locked() as data:
            data.setdefault("endpoints", {})[endpoint.engine] = endpoint.to_dict()

    def remove_endpoint(self, engine: str) -> None:
        with self.locked() as data:
            data.setdefault("endpoints", {}).pop(engine, None)

    def password(self, engine: str) -> str:
        """The engine's password for this project, generated once and kept."""
        with self.locked() as data:
            passwords = data.setdefault("passwords", {})
            if engine not in passwords:
                passwords[engine] = new_password()
            return passwords[engine]
