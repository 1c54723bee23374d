"""One error hierarchy. Every message says what happened; `hint` says what to do about it.

The CLI turns any ArenaError into a one-line message and exit code 2 (see arena/cli/__init__.py);
a traceback is shown only with --debug.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import StrEnum


class ArenaError(Exception):
    """A problem the user can act on. Carries a hint and an exit code."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Evidence printed under the one-line message, e.g. a server's last log lines.
        self.details = details

    def one_line(self) -> str:
        text = self.message.strip().replace("\n", " ")
        if self.hint:
            text = f"{text} Hint: {self.hint.strip()}"
        return text


class UnknownNameError(ArenaError):
    """A name (engine, runtime, schema, shape, pattern...) that is not registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str], hint: str | None = None):
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=1)
        message = f"Unknown {kind} '{name}'."
        if close:
            message += f" Did you mean {close[0]}?"
        super().__init__(message, hint or f"Valid: {', '.join(known)}.")
        self.name = name


class BinaryNotFoundError(ArenaError):
    """A server binary the native runtime needs is not installed."""


class RuntimeUnavailableError(ArenaError):
    """A runtime cannot run here (no Docker daemon, no binaries...)."""


class PortInUseError(ArenaError):
    """A requested port is already bound on 127.0.0.1."""


class StateError(ArenaError):
    """The project state (.arena/) cannot be read or written."""


class NotUpError(ArenaError):
    """An engine is asked for that `arena up` has not started."""


class ReadinessTimeout(ArenaError):
    """A server did not accept connections in time, or exited while starting."""


class QueryError(ArenaError):
    """The server rejected a statement; the message is the server's own."""


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None


class ErrorKind(StrEnum):
    """What a server error means to a workload, the same on every engine. Each Engine maps its
    driver's codes onto these in `classify_error` (arena/engines/base.py)."""

    UNIQUE = "unique"  # duplicate key
    FOREIGN_KEY = "foreign_key"  # missing parent, or a parent still referenced
    CHECK = "check"  # a CHECK constraint refused the row
    NOT_NULL = "not_null"  # NULL into a NOT NULL column
    DEADLOCK = "deadlock"  # chosen as the deadlock victim: retry the transaction
    SERIALIZATION = "serialization"  # a serializable/snapshot conflict: retry the transaction
    LOCK_TIMEOUT = "lock_timeout"  # waited longer than the lock timeout (SQLite: busy)
    CONNECTION_LOST = "connection_lost"  # the server went away or killed the session
    SYNTAX = "syntax"  # the statement does not parse
    OTHER = "other"
