"""What an engine's native hooks get from the native runtime: paths, binaries, credentials,
and ways to run a command or a server as the server's unprivileged user.

It lives here, beside the engines, so that engines and arena/runtime/native.py both import it
and neither imports the other's internals (no engines <-> runtime import circle).
"""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from arena.errors import ArenaError, BinaryNotFoundError
from arena.models import Endpoint

if TYPE_CHECKING:
    from arena.engines.base import Engine


@dataclass
class NativeContext:
    """One engine's server on this machine. `home` (0700, owned by the server's user) holds
    the data directory, the server log and any Unix socket, so only that user can reach them."""

    engine: Engine
    home: Path  # <data root>/<project id>/<engine>/
    bins: dict[str, str]
    port: int
    user: str
    password: str
    database: str
    account: pwd.struct_passwd | None  # the user servers run as (None: arena's own)
    data_dir: Path = Path()  # home/data, or home/data.init while it is being initialised
    extra: dict = field(default_factory=dict)
    instance: str = ""  # the instance name (postgres@tuned); "" means the engine's own

    def __post_init__(self) -> None:
        if self.data_dir == Path():
            self.data_dir = self.home / "data"
        self.instance = self.instance or self.engine.name

    @property
    def socket_path(self) -> str:
        # Inside home (0700): no other user can create, replace or connect to it.
        return str(self.home / "server.sock")

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(
            engine=self.engine.name, runtime="native", host="127.0.0.1", port=self.port,
            database=self.database, user=self.user, password=self.password,
            data_dir=str(self.home), extra={"socket": self.socket_path}, name=self.instance,
        )  # fmt: skip

    def _ids(self) -> dict:
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def chown(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def write_private(self, name: str, text: str) -> Path:
        """A 0600 file in home the server's user can read (e.g. initdb's password file);
        the caller deletes it in a `finally`."""
        path = self.home / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        self.chown(path)
        return path

    def run(self, argv: list[str], timeout: float = 300) -> str:
        """Run an init step as the server's user; fail with its output."""
        proc = subprocess.run(
            argv, cwd=self.home, capture_output=True, text=True, timeout=timeout,
            env=server_env(self.account), **self._ids(),
        )  # fmt: skip
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip().splitlines()
            raise ArenaError(
                f"{Path(argv[0]).name} failed with exit code {proc.returncode} "
                f"while initialising {self.engine.display_name}.",
                f"See {self.log_path}; the next `arena up {self.instance}` starts afresh.",
                "\n".join(output[-15:]),
            )
        return proc.stdout

    def spawn(self, argv: list[str]) -> subprocess.Popen:
        """Start a server detached from arena (it outlives this command), logging to
        server.log."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            return subprocess.Popen(
                argv, cwd=self.home, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
                env=server_env(self.account), **self._ids(),
            )  # fmt: skip
        finally:
            log.close()

    def wait_until(self, proc: subprocess.Popen, probe, timeout: float) -> None:
        """Poll `probe` until it answers, while a temporary server started by spawn() runs."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                probe()
                return
            except Exception as exc:  # any failure to connect means "not yet"
                last = " ".join(str(exc).split())
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                raise ArenaError(
                    f"The temporary {self.engine.display_name} server used to initialise "
                    "the data directory did not come up.",
                    f"See {self.log_path}; the next `arena up {self.instance}` starts afresh.",
                    f"last probe error: {last}",
                )
            time.sleep(0.1)

    def wait_exit(self, proc: subprocess.Popen, timeout: float = 60) -> None:
        """Wait for a temporary server to exit after it was told to shut down."""
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise ArenaError(
                    f"The temporary {self.engine.display_name} server did not shut down.",
                    f"See {self.log_path}.",
                )
            time.sleep(0.05)

    def missing(self, binary: str, install: str) -> None:
        raise BinaryNotFoundError(f"{binary} not found.", f"Install it: {install}.")


def server_env(account: pwd.struct_passwd | None) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "TZ": "UTC"}
    env["HOME"] = account.pw_dir if account else os.environ.get("HOME", "/tmp")
    return env


__all__ = ["NativeContext", "server_env"]
