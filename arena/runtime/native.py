"""Native runtime: the server binaries installed on this machine, one data directory per
engine under .arena/native/<engine>/, on a free loopback port.

As root, servers run as an unprivileged user (PostgreSQL refuses root, and a benchmark
server has no business running as root): ARENA_NATIVE_USER, else `nobody`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from arena.engines.base import Engine
from arena.errors import ArenaError, BinaryNotFoundError
from arena.models import Endpoint, Health, StartOptions
from arena.runtime.base import Runtime, free_port, tail_file
from arena.runtime.wait import WaitForReady
from arena.state import ProjectState


def find_binaries(engine: Engine) -> dict[str, str]:
    """Each binary role of the engine -> its path, searching PATH then the engine's dirs
    (newest version first, e.g. /usr/lib/postgresql/16/bin before .../15/bin)."""
    found: dict[str, str] = {}
    dirs: list[str] = []
    for pattern in engine.native_search_dirs:
        dirs.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
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
            raise BinaryNotFoundError(
                f"{engine.display_name} server binary not found (looked for {names} in PATH"
                + (
                    f" and {', '.join(engine.native_search_dirs)}"
                    if engine.native_search_dirs
                    else ""
                )
                + ").",
                f"Install it: {engine.native_install_hint}.",
            )
    return found


def _version_key(path: str) -> list[int]:
    return [int(p) for p in path.replace("/", ".").split(".") if p.isdigit()]


def run_as_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    name = os.environ.get("ARENA_NATIVE_USER", "nobody")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise ArenaError(
            f"User '{name}' does not exist; arena will not run database servers as root.",
            "Set ARENA_NATIVE_USER to an existing unprivileged user.",
        ) from None


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:  # reap it if it is our own exited child, so a zombie does not look alive
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
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


@dataclass
class NativeContext:
    """What an engine's native hooks need: paths, binaries, credentials, and a runner."""

    engine: Engine
    home: Path  # .arena/native/<engine>/
    bins: dict[str, str]
    port: int
    user: str
    password: str
    database: str
    socket_path: str
    account: pwd.struct_passwd | None
    first_start: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(
            engine=self.engine.name, runtime="native", host="127.0.0.1", port=self.port,
            database=self.database, user=self.user, password=self.password,
            data_dir=str(self.home), extra={"socket": self.socket_path},
        )  # fmt: skip

    def _ids(self) -> dict:
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def chown(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def write_private(self, name: str, text: str) -> Path:
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
            env=_server_env(self.account), **self._ids(),
        )  # fmt: skip
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip().splitlines()
            raise ArenaError(
                f"{Path(argv[0]).name} failed with exit code {proc.returncode} "
                f"while initialising {self.engine.display_name}.",
                f"See {self.home}; `arena down {self.engine.name} --purge` starts afresh.",
                "\n".join(output[-15:]),
            )
        return proc.stdout

    def spawn(self, argv: list[str]) -> int:
        """Start the server detached from arena (it outlives this command)."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            proc = subprocess.Popen(
                argv, cwd=self.home, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
                env=_server_env(self.account), **self._ids(),
            )  # fmt: skip
        finally:
            log.close()
        return proc.pid

    def missing(self, binary: str, install: str) -> None:
        raise BinaryNotFoundError(f"{binary} not found.", f"Install it: {install}.")


def _server_env(account: pwd.struct_passwd | None) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "TZ": "UTC"}
    env["HOME"] = account.pw_dir if account else os.environ.get("HOME", "/tmp")
    return env


class NativeRuntime(Runtime):
    name = "native"

    def check_available(self, engine: Engine) -> None:
        if "native" not in engine.runtimes:
            raise ArenaError(
                f"{engine.display_name} has no native runtime.",
                "Use --runtime docker"
                + (" (needs a running Docker daemon)." if engine.default_image else "."),
            )
        find_binaries(engine)
        run_as_user()

    def _context(self, engine: Engine, port: int) -> NativeContext:
        home = self.state.ensure_dir("native", engine.name)
        account = run_as_user()
        ctx = NativeContext(
            engine=engine,
            home=home,
            bins=find_binaries(engine),
            port=port,
            user=engine.default_user,
            password=self.state.password(engine.name),
            database=engine.default_database,
            # Unix socket paths are limited to ~107 bytes: keep them short and out of the tree.
            socket_path=f"/tmp/arena-{self.state.id}-{engine.name}.sock",
            account=account,
        )
        os.chmod(home, 0o700)
        ctx.chown(home)
        ctx.first_start = not (ctx.data_dir.exists() and any(ctx.data_dir.iterdir()))
        return ctx

    def start(self, engine: Engine, options: StartOptions) -> Endpoint:
        self.check_available(engine)
        ctx = self._context(engine, free_port(options.port))
        if ctx.first_start:
            ctx.data_dir.mkdir(mode=0o700, exist_ok=True)
            ctx.chown(ctx.data_dir)
            engine.native_initialize(ctx)
        pid = ctx.spawn(engine.native_command(ctx))
        endpoint = ctx.endpoint.replace(pid=pid, started_at=time.time())
        try:
            WaitForReady(
                what=f"{engine.display_name} on 127.0.0.1:{ctx.port}",
                probe=lambda: engine.native_ready(ctx),
                timeout=engine.start_timeout,
                hint=f"Full log: {ctx.log_path}",
                still_running=lambda: pid_alive(pid),
                log_tail=lambda: tail_file(ctx.log_path, 12),
            ).wait()
            if ctx.first_start:
                engine.native_bootstrap(ctx)
            version = engine.probe(endpoint)
        except BaseException:
            self._terminate(engine, pid)
            raise
        return endpoint.replace(version=version)

    def stop(self, endpoint: Endpoint, purge: bool = False) -> None:
        from arena.engines import get_engine

        engine = get_engine(endpoint.engine)
        self._terminate(engine, endpoint.pid)
        socket_path = endpoint.extra.get("socket")
        if socket_path and os.path.exists(socket_path):
            os.unlink(socket_path)
        if purge and endpoint.data_dir:
            shutil.rmtree(endpoint.data_dir, ignore_errors=True)

    def _terminate(self, engine: Engine, pid: int | None, timeout: float = 60.0) -> None:
        if not pid_alive(pid):
            return
        os.kill(pid, engine.native_stop_signal)
        deadline = time.monotonic() + timeout
        while pid_alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                time.sleep(0.2)
                break
            time.sleep(0.05)

    def status(self, engine: Engine, endpoint: Endpoint) -> Health:
        if not pid_alive(endpoint.pid):
            last = tail_file(Path(endpoint.data_dir or ".") / "server.log", 1)
            return Health(endpoint, "crashed", f"process {endpoint.pid} is gone; log: {last}")
        try:
            version = engine.probe(endpoint)
        except Exception as exc:
            return Health(endpoint, "unhealthy", " ".join(str(exc).split())[:200])
        return Health(endpoint.replace(version=version), "up")

    def logs(self, endpoint: Endpoint, tail: int = 50) -> str:
        return tail_file(Path(endpoint.data_dir or ".") / "server.log", tail)


__all__ = ["NativeContext", "NativeRuntime", "ProjectState", "find_binaries", "pid_alive"]
