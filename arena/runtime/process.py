"""Is the process arena recorded still the server it started? Checked before every signal.

A pid alone is not enough: after a crash or a reboot the number may belong to anything. A
server is identified by its executable (/proc/<pid>/exe), its data directory (on its command
line) and its start time (/proc/<pid>/stat, in clock ticks since boot, which no later process
with the same pid can share).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


def pid_alive(pid: int | None) -> bool:
    """The pid exists and is not a zombie (our own exited child is reaped)."""
    if not pid:
        return False
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = _stat_fields(pid)
    return stat is None or stat[0] != "Z"


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on: the command name may hold spaces and ')'."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields and len(fields) > 19 else None  # field 22: starttime


def executable(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except OSError:  # gone, or not ours to inspect: either way not verifiably our server
        return None


def command_line(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        return []


@dataclass(frozen=True, slots=True)
class ServerProcess:
    pid: int
    exe: str
    data_dir: str
    start: int | None  # clock ticks since boot; None for records of earlier arena versions

    @classmethod
    def of(cls, pid: int, data_dir: os.PathLike | str) -> ServerProcess:
        """The identity of a process arena just started."""
        return cls(pid, executable(pid) or "", str(data_dir), start_ticks(pid))

    @classmethod
    def from_record(cls, pid: Any, extra: dict[str, Any]) -> ServerProcess | None:
        if not isinstance(pid, int) or pid <= 0 or not extra.get("exe"):
            return None
        start = extra.get("proc_start")
        return cls(pid, str(extra["exe"]), str(extra.get("data_dir", "")), start if start else None)

    def to_dict(self) -> dict[str, Any]:
        return {"exe": self.exe, "data_dir": self.data_dir, "proc_start": self.start}

    def is_live(self) -> bool:
        """This pid runs, and is still this server (executable, data dir, start time)."""
        if not pid_alive(self.pid) or not self.exe or executable(self.pid) != self.exe:
            return False
        if self.start is not None and start_ticks(self.pid) != self.start:
            return False
        argv = command_line(self.pid)
        return any(arg == self.data_dir or arg.endswith("=" + self.data_dir) for arg in argv)

    def signal(self, sig: int) -> bool:
        """Send `sig` only if the process is verifiably this server; True when sent."""
        if not self.is_live():
            return False
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            return False
        return True


__all__ = ["ServerProcess", "pid_alive"]
