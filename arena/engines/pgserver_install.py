"""PostgreSQL 16 with pgvector from the `pgserver` wheel (PyPI), which bundles the server
binaries and the `vector` extension under its package directory.

The native runtime runs servers as an unprivileged user when arena runs as root, and a wheel
installed under /root (0700) is out of that user's reach: the install is then copied once,
layout kept (PostgreSQL finds its share/ and lib/ relative to its binary, and the wheel's
binaries find its bundled libpq in ../../../pgserver.libs by RPATH), to a directory under the
native data root that the user can traverse.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import stat
from importlib import metadata
from pathlib import Path

PACKAGE = "pgserver"


def install_dir() -> Path | None:
    """pgserver's `pginstall` directory, or None when the wheel is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "pginstall"
    return path if (path / "bin" / "postgres").is_file() else None


def major_version(bin_dir: Path) -> str:
    """'16' for pgserver's PostgreSQL 16.x (read from the install, not by running it)."""
    catalog = bin_dir.parent / "include" / "postgresql" / "server" / "pg_config.h"
    if catalog.is_file():
        for line in catalog.read_text(errors="replace").splitlines():
            if line.startswith("#define PG_MAJORVERSION "):
                return line.split()[-1].strip('"')
    return "16"


def bin_dir(account: pwd.struct_passwd | None, cache_root: Path) -> Path | None:
    """A bin directory of pgserver's PostgreSQL that `account` (None: this process's user)
    can execute, or None without the wheel. `cache_root` must be traversable by `account`."""
    install = install_dir()
    if install is None:
        return None
    if account is None or _reachable(install / "bin" / "postgres", account):
        return install / "bin"
    target = cache_root / f"pgserver-{metadata.version(PACKAGE)}"
    if not (target / "pgserver" / "pginstall" / "bin" / "postgres").is_file():
        staging = cache_root / f".{target.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(install, staging / "pgserver" / "pginstall", symlinks=True)
        libs = install.parent.parent / f"{PACKAGE}.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / libs.name, symlinks=True)
        for folder, _subdirs, files in os.walk(staging):
            os.chmod(folder, 0o755)
            for name in files:
                path = os.path.join(folder, name)
                if not os.path.islink(path):
                    os.chmod(path, os.stat(path).st_mode | 0o444)
        try:
            os.rename(staging, target)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
    return target / "pgserver" / "pginstall" / "bin"


def _reachable(path: Path, account: pwd.struct_passwd) -> bool:
    """Whether `account` may execute `path`: every parent traversable, the file executable."""
    for part in [*reversed(path.parents), path]:
        info = part.stat()
        if info.st_uid == account.pw_uid:
            bit = stat.S_IXUSR
        elif info.st_gid == account.pw_gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True
