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


# What every recorded endpoint must have; Endpoint's other fields have defaults.
ENDPOINT_FIELDS = {
    "engine": str, "runtime": str, "host": str, "port": (int, type(None)),
    "database": str, "user": str, "password": str,
}  # fmt: skip


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def shape_problem(data: Any) -> str | None:
    """What is wrong with a parsed state.json, or None when arena can use it."""
    if not isinstance(data, dict):
        return f"expected a JSON object, found {_kind(data)}"
    for key in ("endpoints", "passwords"):
        if not isinstance(data.get(key, {}), dict):
            return f"'{key}' must be an object, found {_kind(data[key])}"
    for name, endpoint in data.get("endpoints", {}).items():
        if not isinstance(endpoint, dict):
            return f"endpoint '{name}' must be an object, found {_kind(endpoint)}"
        missing = [f for f in ENDPOINT_FIELDS if f not in endpoint]
        if missing:
            return f"endpoint '{name}' lacks {', '.join(missing)}"
        wrong = [f for f, kinds in ENDPOINT_FIELDS.items() if not isinstance(endpoint[f], kinds)]
        if wrong or isinstance(endpoint["port"], bool):
            return f"endpoint '{name}' has a wrong type for {', '.join(wrong or ['port'])}"
    for name, password in data.get("passwords", {}).items():
        if not isinstance(password, str):
            return f"the password of '{name}' must be a string, found {_kind(password)}"
    return None


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
            data = json.loads(self.file.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self._unreadable(str(exc)) from exc
        problem = shape_problem(data)
        if problem:
            raise self._unreadable(problem)
        return data

    def _unreadable(self, why: str) -> StateError:
        return StateError(
            f"Cannot read {self.file}: {' '.join(why.split())}.",
            "Fix the file by hand (it holds each engine's address and password) or move it "
            "aside; `arena ps` finds docker containers by label.",
        )

    def _write(self, data: dict[str, Any]) -> None:
        """Replace state.json atomically. Called under the lock, so a state.tmp found here
        is a leftover of an interrupted write, and a failed write removes its own."""
        tmp = self.file.with_suffix(".tmp")
        try:
            tmp.unlink(missing_ok=True)
            # O_EXCL | O_NOFOLLOW: never write through a link someone put in our place.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())  # a crash right after must not leave an empty file
            os.replace(tmp, self.file)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StateError(
                    f"Cannot write {self.file}: {exc.strerror or exc}; it was left unchanged.",
                    "Free disk space or make .arena/ writable, then run the command again.",
                ) from exc
            raise

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
        # Keyed by instance name; an endpoint without `name` (written before variants) is the
        # engine's plain instance.
        return {name: Endpoint.from_dict(ep) for name, ep in raw.items()}

    # Endpoints and passwords are keyed by the INSTANCE name (postgres, postgres@tuned): each
    # instance has its own data, initialised with its own password.
    def endpoint(self, instance: str) -> Endpoint | None:
        return self.endpoints().get(instance)

    def save_endpoint(self, endpoint: Endpoint) -> None:
        with self.locked() as data:
            data.setdefault("endpoints", {})[endpoint.instance] = endpoint.to_dict()

    def remove_endpoint(self, instance: str) -> None:
        with self.locked() as data:
            data.setdefault("endpoints", {}).pop(instance, None)

    def forget_password(self, instance: str) -> None:
        """Drop a password generated for a start that failed and left no data behind."""
        with self.locked() as data:
            data.setdefault("passwords", {}).pop(instance, None)

    def password(self, instance: str) -> str:
        """The instance's password for this project, generated once and kept."""
        with self.locked() as data:
            passwords = data.setdefault("passwords", {})
            if instance not in passwords:
                passwords[instance] = new_password()
            return passwords[instance]
