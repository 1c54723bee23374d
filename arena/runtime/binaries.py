"""Server binaries on this machine: where each engine's are, which versions are installed,
and a copy the server's unprivileged user can execute.

Versions: every directory that holds all of an engine's binaries (PATH, the engine's
native_search_dirs, native_extra_dirs such as the `pgserver` wheel's bundled PostgreSQL 16)
is asked `<server> --version`; `postgres@16` picks the directory whose server says 16.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import os
import re
import shutil
import stat
import subprocess
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from arena.errors import BinaryNotFoundError

if TYPE_CHECKING:
    import pwd

    from arena.engines.base import Engine


def _version_key(path: str) -> list[int]:
    return [int(p) for p in path.replace("/", ".").split(".") if p.isdigit()]


def candidate_dirs(engine: Engine) -> list[str]:
    """Where the engine's binaries may be: the engine's dirs (newest version first), then its
    extra dirs (bundled servers)."""
    dirs: list[str] = []
    for pattern in engine.native_search_dirs:
        dirs.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
    dirs.extend(engine.native_extra_dirs())
    return dirs


def find_binaries(engine: Engine, version: str | None = None) -> dict[str, str]:
    """Each binary role of the engine -> its path: PATH first, then the engine's dirs; with
    `version`, from the one directory whose server reports that version."""
    if version is not None:
        versions = native_versions(engine)
        if version not in versions:
            raise version_error(engine, version, versions)
        return bins_in(engine, versions[version]) or {}
    found: dict[str, str] = {}
    dirs = candidate_dirs(engine)
    for role, candidates in engine.native_binaries.items():
        for name in candidates:
            path = shutil.which(name) or next(
                (os.path.join(d, name) for d in dirs if os.access(os.path.join(d, name), os.X_OK)),
                None,
            )
            if path:
                found[role] = path
                break
        else:
            names = ", ".join(n for c in engine.native_binaries.values() for n in c)
            where = (
                f" and {', '.join(engine.native_search_dirs)}" if engine.native_search_dirs else ""
            )
            raise BinaryNotFoundError(
                f"{engine.display_name} server binary not found (looked for {names} in PATH"
                f"{where}).",
                f"Install it: {engine.native_install_hint}.",
            )
    return found


def bins_in(engine: Engine, folder: str) -> dict[str, str] | None:
    """Every role's binary in `folder`, or None when one is missing."""
    found = {}
    for role, candidates in engine.native_binaries.items():
        path = next(
            (
                os.path.join(folder, n)
                for n in candidates
                if os.access(os.path.join(folder, n), os.X_OK)
            ),
            None,
        )
        if path is None:
            return None
        found[role] = path
    return found


def native_versions(engine: Engine) -> dict[str, str]:
    """Version (as a variant names it: 16, 10.11) -> the bin directory serving it, for every
    complete set of the engine's binaries found here. The first found wins a version."""
    path_dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    versions: dict[str, str] = {}
    for folder in dict.fromkeys([*path_dirs, *candidate_dirs(engine)]):
        bins = bins_in(engine, folder)
        if not bins or "server" not in bins:
            continue
        version = server_version(bins["server"], engine.version_parts)
        real = os.path.dirname(os.path.realpath(bins["server"]))  # /usr/local/bin links
        if version:
            versions.setdefault(version, real if bins_in(engine, real) else folder)
    return versions


@functools.cache
def server_version(binary: str, parts: int) -> str | None:
    """The first `parts` numbers of `<binary> --version` (postgres 16.2 -> "16")."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\d+(?:\.\d+)*", out.stdout + out.stderr)
    return ".".join(match.group(0).split(".")[:parts]) if match else None


def version_error(engine: Engine, version: str, versions: dict[str, str]) -> BinaryNotFoundError:
    have = ", ".join(f"{v} ({d})" for v, d in sorted(versions.items())) or "none"
    return BinaryNotFoundError(
        f"{engine.display_name} {version} is not installed here; this machine has: {have}.",
        f"Start one of those (e.g. `arena up {engine.name}@{next(iter(sorted(versions)), 'X')}`) "
        "or use --runtime docker with an image of that version.",
    )


def executable_by(path: str, account: pwd.struct_passwd | None) -> bool:
    """Whether `account` (None: arena's own user) can reach and execute `path`."""
    if account is None:
        return os.access(path, os.X_OK)
    target = Path(path).resolve()
    for part in [*reversed(target.parents), target]:
        try:
            st = part.stat()
        except OSError:
            return False
        if st.st_uid == account.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid == account.pw_gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def reachable_binaries(
    bins: dict[str, str], account: pwd.struct_passwd | None, store: Path
) -> dict[str, str]:
    """`bins`, or, when the server's user cannot execute them (a wheel under /root), the
    same binaries in a copy of their install tree under `store` (root-owned, world-readable,
    made once per install and atomically)."""
    if all(executable_by(p, account) for p in bins.values()):
        return bins
    result = {}
    for role, path in bins.items():
        bin_dir = Path(path).resolve().parent
        install = bin_dir.parent  # bin/, lib/, share/ keep their relative layout
        package = install.parent
        key = hashlib.sha256(str(install).encode()).hexdigest()[:10]
        copy = store / f"{install.name}-{key}"
        with _COPYING:  # instances starting side by side copy it once
            if not copy.is_dir():
                _copy_install(install, package, store, copy)
        result[role] = str(
            copy / package.name / install.name / bin_dir.relative_to(install) / Path(path).name
        )
    return result


_COPYING = threading.Lock()


def _copy_install(install: Path, package: Path, store: Path, copy: Path) -> None:
    """install (and an auditwheel <package>.libs beside its package) copied to `copy`,
    through a staging directory renamed when complete (another process may win the rename)."""
    store.mkdir(mode=0o755, parents=True, exist_ok=True)
    staging = store / f".{copy.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    try:
        shutil.copytree(install, staging / package.name / install.name, symlinks=True)
        # A wheel repaired by auditwheel finds its bundled libraries through an
        # $ORIGIN-relative RPATH in <site-packages>/<package>.libs: copied alongside.
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / libs.name, symlinks=True)
        for folder in [staging, *staging.rglob("*")]:
            if folder.is_dir() and not folder.is_symlink():
                os.chmod(folder, 0o755)
        with contextlib.suppress(OSError):  # another process made it first
            os.rename(staging, copy)
    except (OSError, shutil.Error) as exc:
        raise BinaryNotFoundError(
            f"Cannot copy {install} where the server's user can run it: {exc}"[:300],
            "Set ARENA_NATIVE_USER to a user that can read it, or free disk space.",
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


__all__ = [
    "candidate_dirs",
    "executable_by",
    "find_binaries",
    "native_versions",
    "reachable_binaries",
    "server_version",
    "version_error",
]
