"""--cpus / --memory for native servers: the same resources for every engine, as docker
gives them.

In order of preference, per limit:
  cgroup v2  a child cgroup per server under <our cgroup>/arena-<project>/ with cpu.max and
             memory.max, when the unified hierarchy has the cpu/memory controllers;
  cgroup v1  the same in the cpu and memory hierarchies (cpu.cfs_quota_us,
             memory.limit_in_bytes), on hybrid hosts whose controllers are bound to v1;
  affinity   for --cpus only: the server pinned to ceil(N) CPUs (sched_setaffinity), a
             coarser limit than a quota.
What was applied is recorded with the endpoint (limits["applied"]); a limit that could not
be applied is said in a warning line (limits["warnings"]), never silently dropped.
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path
from typing import Any

CGROUP_ROOT = Path(os.environ.get("ARENA_CGROUP_ROOT", "/sys/fs/cgroup"))
V1_PERIOD_US = 100_000


def _own_paths() -> dict[str, str]:
    """Controller ("" for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _v2_root() -> Path | None:
    """The unified hierarchy's mount: /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified."""
    for root in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        if (root / "cgroup.controllers").exists():
            return root
    return None


def _write(path: Path, text: str) -> bool:
    try:
        path.write_text(text)
        return True
    except OSError:
        return False


def _make(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return True
    except OSError:
        return False


def _v2_group(group: str, need: set[str]) -> Path | None:
    """A v2 child cgroup with `need` controllers enabled for it, or None."""
    root = _v2_root()
    if root is None:
        return None
    parent = root / _own_paths().get("", "/").lstrip("/") / group.rsplit("/", 1)[0]
    try:
        available = set((root / "cgroup.controllers").read_text().split())
    except OSError:
        return None
    if not need <= available or not _make(parent):
        return None
    # Enable the controllers down the path to our group (a cgroup with processes in it cannot
    # delegate them: the parent of servers is a group arena made and holds no process).
    node = root
    for part in parent.relative_to(root).parts:
        enabled = set((node / "cgroup.subtree_control").read_text().split())
        missing = need - enabled
        if missing and not _write(
            node / "cgroup.subtree_control", " ".join(f"+{c}" for c in missing)
        ):
            return None
        node = node / part
    if not _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in need)):
        return None
    child = parent / group.rsplit("/", 1)[1]
    return child if _make(child) else None


def _v1_group(controller: str, group: str) -> Path | None:
    base = CGROUP_ROOT / controller
    if not base.is_dir():
        return None
    folder = base / _own_paths().get(controller, "/").lstrip("/") / group
    return folder if _make(folder) else None


def group_name(project: str, instance: str) -> str:
    return f"arena-{project}/{instance.replace('@', '_')}"


def apply(project: str, instance: str, pid: int, cpus: float | None, memory: int | None) -> dict:
    """Put the server `pid` under `cpus` CPUs and `memory` bytes. Returns what to record:
    {"applied": {...}, "cgroups": [dirs], "warnings": [...]}."""
    record: dict[str, Any] = {"applied": {}, "cgroups": [], "warnings": []}
    if cpus is None and memory is None:
        return record
    group = group_name(project, instance)
    need = {c for c, v in (("cpu", cpus), ("memory", memory)) if v is not None}
    v2 = _v2_group(group, need)
    if v2 is not None:
        ok = True
        if cpus is not None:
            ok &= _write(v2 / "cpu.max", f"{round(cpus * V1_PERIOD_US)} {V1_PERIOD_US}")
        if memory is not None:
            ok &= _write(v2 / "memory.max", str(memory))
            _write(v2 / "memory.swap.max", "0")
        if ok and _write(v2 / "cgroup.procs", str(pid)):
            record["cgroups"].append(str(v2))
            for name in need:
                record["applied"][name] = f"cgroup v2 {v2}"
            return record
    if cpus is not None:
        folder = _v1_group("cpu", group)
        if (
            folder is not None
            and _write(folder / "cpu.cfs_period_us", str(V1_PERIOD_US))
            and _write(folder / "cpu.cfs_quota_us", str(round(cpus * V1_PERIOD_US)))
            and _write(folder / "cgroup.procs", str(pid))
        ):
            record["cgroups"].append(str(folder))
            record["applied"]["cpu"] = f"cgroup v1 {folder} (cpu.cfs_quota_us)"
        else:
            chosen = sorted(os.sched_getaffinity(0))[: max(1, math.ceil(cpus))]
            try:
                os.sched_setaffinity(pid, chosen)
                record["applied"]["cpu"] = f"CPU affinity {chosen}"
                record["affinity"] = chosen
                if cpus != math.ceil(cpus):
                    record["warnings"].append(
                        f"--cpus {cpus} applied as affinity to {len(chosen)} CPU(s): no "
                        "writable cpu cgroup here."
                    )
            except OSError as exc:
                record["warnings"].append(f"--cpus {cpus} could not be applied: {exc.strerror}.")
    if memory is not None:
        folder = _v1_group("memory", group)
        if (
            folder is not None
            and _write(folder / "memory.limit_in_bytes", str(memory))
            and _write(folder / "cgroup.procs", str(pid))
        ):
            with contextlib.suppress(OSError):  # no swap beyond the limit, where allowed
                (folder / "memory.memsw.limit_in_bytes").write_text(str(memory))
            record["cgroups"].append(str(folder))
            record["applied"]["memory"] = f"cgroup v1 {folder} (memory.limit_in_bytes)"
        else:
            record["warnings"].append(
                f"--memory could not be applied to {instance}: no writable memory cgroup "
                "(v2 or v1) here; it runs without a memory limit."
            )
    return record


def descendants(pid: int) -> list[int]:
    """pid and every process below it (PostgreSQL's backends fork from the postmaster)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def follow(record: dict, pid: int) -> None:
    """Once the server is ready: processes it forked before it was moved join it too."""
    for other in descendants(pid)[1:]:
        for folder in record.get("cgroups", []):
            _write(Path(folder) / "cgroup.procs", str(other))
        if record.get("affinity"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(other, record["affinity"])


def release(record: dict) -> None:
    """Remove the server's cgroups once it has exited (an empty cgroup can be rmdir'ed)."""
    for folder in record.get("cgroups", []):
        with contextlib.suppress(OSError):
            os.rmdir(folder)
            os.rmdir(os.path.dirname(folder))  # arena-<project>/, once its last server is gone


__all__ = ["apply", "descendants", "follow", "group_name", "release"]
