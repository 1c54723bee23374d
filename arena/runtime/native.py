"""Native runtime: the server binaries installed on this machine, on a free loopback port.

As root, servers run as an unprivileged user (PostgreSQL refuses root, and a benchmark
server has no business running as root): ARENA_NATIVE_USER, else `nobody`.

Where the data lives (see data_root()): outside the project directory, because a project
under a private parent (/root/x, any `mktemp -d`) is unreachable to that user. Each instance
(postgres, postgres@tuned, postgres@16) gets <data root>/<project id>/<instance>/ (0700,
owned by the server's user) holding:
  data/              the data directory (data.init/ while being initialised, then renamed)
  server.log         the server's log
  server.sock        MariaDB/MySQL's socket (no other user can create or reach it)
  arena-server.json  the running server: pid, executable, start time (0600, arena's user);
                     how `arena ps` finds it when .arena/state.json is lost
  arena-secret       the password the data was initialised with (0600, arena's user)
Binaries the server's user cannot execute (the `pgserver` wheel under /root) are run from a
copy of their install tree in <root>/installs/ (see binaries.reachable_binaries).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import time
from pathlib import Path

from arena.engines import ENGINES, get_engine
from arena.engines.base import Engine
from arena.engines.native_context import NativeContext
from arena.errors import ArenaError
from arena.instances import engine_of, refused_settings_error
from arena.models import Endpoint, Health, StartOptions
from arena.runtime import limits
from arena.runtime.base import Runtime, check_purge_path, free_port, tail_file
from arena.runtime.binaries import find_binaries, native_versions, reachable_binaries
from arena.runtime.process import ServerProcess, pid_alive
from arena.runtime.wait import WaitForReady
from arena.state import ProjectState

SERVER_FILE = "arena-server.json"
SECRET_FILE = "arena-secret"


def data_root(state: ProjectState) -> Path:
    """<root>/<project id>: ARENA_NATIVE_ROOT, else /var/lib/arena as root (persistent across
    reboots, unlike /tmp, and not a world-writable directory where another user could plant
    paths first), else $XDG_DATA_HOME/arena (~/.local/share/arena): the servers then run as
    the invoking user, who owns that path."""
    base = os.environ.get("ARENA_NATIVE_ROOT")
    if not base:
        if os.geteuid() == 0:
            base = "/var/lib/arena"
        else:
            xdg = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
            base = os.path.join(xdg, "arena")
    return Path(base) / state.id


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


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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

    def check_version(self, engine: Engine, version: str | None) -> None:
        if version is not None:
            find_binaries(engine, version)

    def versions(self, engine: Engine) -> dict[str, str]:
        return native_versions(engine) if "native" in engine.runtimes else {}

    def home(self, instance: str) -> Path:
        return data_root(self.state) / instance

    def leftover_instances(self) -> list[str]:
        root = data_root(self.state)
        try:
            return sorted(p.name for p in root.iterdir() if p.is_dir())
        except OSError:  # none yet, or not ours to list (another user's home)
            return []

    def _ensure_home(
        self, engine: Engine, instance: str, account: pwd.struct_passwd | None
    ) -> Path:
        root = data_root(self.state)
        try:
            # The root and project levels are traversable, not listable (0711): each engine's
            # home below is 0700 and owned by the server's user.
            for folder in (root.parent, root):
                if not folder.exists():
                    folder.mkdir(mode=0o711, parents=True, exist_ok=True)
                    os.chmod(folder, 0o711)  # only what arena made; mkdir's mode meets the umask
            home = root / instance
            home.mkdir(mode=0o700, exist_ok=True)
            os.chmod(home, 0o700)
            if account is not None:
                os.chown(home, account.pw_uid, account.pw_gid)
        except OSError as exc:
            raise ArenaError(
                f"Cannot create the native data directory under {root}: {exc.strerror}.",
                "Set ARENA_NATIVE_ROOT to a directory arena can write to.",
            ) from exc
        self._adopt_legacy_data(instance, home, account)
        return home

    def _adopt_legacy_data(self, instance: str, home: Path, account) -> None:
        """Earlier arena versions kept the data in .arena/native/<engine>/: move it over."""
        legacy = self.state.dir / "native" / instance
        if (home / "data").exists() or not (legacy / "data").is_dir():
            return
        shutil.move(str(legacy / "data"), str(home / "data"))
        if account is not None:
            for folder, _, files in os.walk(home / "data"):
                for path in [folder, *(os.path.join(folder, f) for f in files)]:
                    os.chown(path, account.pw_uid, account.pw_gid)
        shutil.rmtree(legacy, ignore_errors=True)

    def _password(self, instance: str, home: Path) -> str:
        """The password the data directory was initialised with (kept beside it), else the
        project's; state.json is brought in line, so a lost state file loses no data."""
        secret = (home / SECRET_FILE).read_text().strip() if (home / SECRET_FILE).exists() else ""
        if secret and (home / "data").is_dir():
            with self.state.locked() as data:
                data.setdefault("passwords", {})[instance] = secret
            return secret
        return self.state.password(instance)

    def _context(self, engine: Engine, options: StartOptions, port: int) -> NativeContext:
        account = run_as_user()
        instance = options.name or engine.name
        bins = find_binaries(engine, options.version)
        home = self._ensure_home(engine, instance, account)
        if account is not None:
            bins = reachable_binaries(bins, account, data_root(self.state).parent / "installs")
        ctx = NativeContext(
            engine=engine,
            home=home,
            bins=bins,
            port=port,
            user=engine.default_user,
            password=self._password(instance, home),
            database=engine.default_database,
            account=account,
            instance=instance,
        )
        if len(ctx.socket_path) > 100:  # sun_path holds 108 bytes
            raise ArenaError(
                f"The server socket path {ctx.socket_path} is too long for a Unix socket.",
                "Set ARENA_NATIVE_ROOT to a shorter directory, e.g. /var/lib/arena.",
            )
        return ctx

    def _initialise(self, engine: Engine, ctx: NativeContext) -> None:
        """A complete data directory or none: built in data.init/, renamed when done."""
        final = ctx.data_dir
        staging = ctx.home / "data.init"
        shutil.rmtree(staging, ignore_errors=True)  # what a failed earlier attempt left
        staging.mkdir(mode=0o700)
        ctx.chown(staging)
        ctx.data_dir = staging
        try:
            _write_private(ctx.home / SECRET_FILE, ctx.password + "\n")
            engine.native_initialize(ctx)
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            ctx.data_dir = final

    def start(self, engine: Engine, options: StartOptions) -> Endpoint:
        self.check_available(engine)
        flags = engine.setting_flags(options.settings)  # an engine without settings refuses
        ctx = self._context(engine, options, free_port(options.port))
        running = self._recorded_server(ctx.home)
        if running is not None:
            raise ArenaError(
                f"{ctx.instance} already runs on this data directory "
                f"(pid {running.pid}, {ctx.home}).",
                f"`arena ps` adopts it; `arena down {ctx.instance}` stops it.",
            )
        fresh = not ctx.data_dir.is_dir()
        try:
            if fresh:
                self._initialise(engine, ctx)
            return self._run(engine, ctx, options, flags)
        except BaseException:
            if fresh and options.settings:
                # Settings the server may have refused: the data this start made for them
                # goes too, so a rejected `--set` leaves nothing behind. (A failed plain first
                # start keeps its complete data directory for the next `up`, as before.)
                self.purge_home(ctx.home)
            raise

    def _run(
        self, engine: Engine, ctx: NativeContext, options: StartOptions, flags: list[str]
    ) -> Endpoint:
        log_start = ctx.log_path.stat().st_size if ctx.log_path.exists() else 0
        proc = ctx.spawn([*engine.native_command(ctx), *flags])
        wanted = limits.apply(
            self.state.id, ctx.instance, proc.pid, options.cpus, _bytes(options.memory)
        )
        server = ServerProcess.of(proc.pid, ctx.home / "data")
        endpoint = ctx.endpoint.replace(
            pid=proc.pid,
            started_at=time.time(),
            extra={**ctx.endpoint.extra, **server.to_dict(), "binaries": ctx.bins},
            limits=_limits_record(options, wanted),
            requested_settings=dict(options.settings),
        )
        self._write_server_file(ctx.home, endpoint)
        try:
            try:
                WaitForReady(
                    what=f"{ctx.instance} ({engine.display_name}) on 127.0.0.1:{ctx.port}",
                    probe=lambda: engine.native_ready(ctx),
                    timeout=engine.start_timeout,
                    hint=f"Full log: {ctx.log_path}",
                    still_running=lambda: proc.poll() is None,
                    log_tail=lambda: tail_file(ctx.log_path, 12),
                ).wait()
            except ArenaError as exc:
                if proc.poll() is not None and options.settings:
                    raise self._rejected(engine, ctx, options, log_start, exc) from exc
                raise
            limits.follow(wanted, proc.pid)
            engine.native_bootstrap(ctx)
            version = engine.probe(endpoint)
        except BaseException:
            self._terminate(engine, server)
            limits.release(wanted)
            (ctx.home / SERVER_FILE).unlink(missing_ok=True)
            raise
        return endpoint.replace(version=version)

    def _rejected(
        self, engine: Engine, ctx: NativeContext, options: StartOptions, log_start: int, exc
    ) -> ArenaError:
        """The server exited at start with settings asked: its own reason, in one line."""
        try:
            with open(ctx.log_path, "rb") as fh:
                fh.seek(log_start)
                log = fh.read().decode("utf-8", "replace")
        except OSError:
            log = ""
        refused = refused_settings_error(
            ctx.instance, options.settings, log, "nothing was left running or half-made"
        )
        return refused or exc

    def _write_server_file(self, home: Path, endpoint: Endpoint) -> None:
        record = {
            "engine": endpoint.engine, "name": endpoint.instance, "pid": endpoint.pid,
            "port": endpoint.port, "user": endpoint.user, "database": endpoint.database,
            "started_at": endpoint.started_at, "extra": endpoint.extra,
            "limits": endpoint.limits, "requested_settings": endpoint.requested_settings,
        }  # fmt: skip
        _write_private(home / SERVER_FILE, json.dumps(record, sort_keys=True))

    def _recorded_server(self, home: Path) -> ServerProcess | None:
        """The live server arena-server.json names, if that process is verifiably it."""
        record = _read_json(home / SERVER_FILE)
        server = ServerProcess.from_record(record.get("pid"), record.get("extra") or {})
        return server if server is not None and server.is_live() else None

    def discover(self) -> list[Endpoint]:
        """Native servers of this project that still run, found from their data directories
        (no state file needed)."""
        found = []
        for instance in self.leftover_instances():
            home = self.home(instance)
            if self._recorded_server(home) is None:
                continue
            record = _read_json(home / SERVER_FILE)
            engine_name = record.get("engine") or instance
            if engine_name not in ENGINES or "native" not in ENGINES[engine_name].runtimes:
                continue
            found.append(
                Endpoint(
                    engine=engine_name,
                    name=record.get("name") or instance,
                    runtime=self.name,
                    host="127.0.0.1",
                    port=record["port"],
                    database=record.get("database", ""),
                    user=record.get("user", ""),
                    password=self._password(instance, home),
                    pid=record["pid"],
                    data_dir=str(home),
                    started_at=record.get("started_at", 0.0),
                    limits=record.get("limits") or {},
                    requested_settings=record.get("requested_settings") or {},
                    extra=record.get("extra") or {},
                )  # fmt: skip
            )
        return found

    def _server(self, endpoint: Endpoint) -> ServerProcess | None:
        data_dir = endpoint.extra.get("data_dir") or os.path.join(endpoint.data_dir or "", "data")
        return ServerProcess.from_record(endpoint.pid, {**endpoint.extra, "data_dir": data_dir})

    def stop(self, endpoint: Endpoint, purge: bool = False) -> None:
        engine = get_engine(endpoint.engine)
        home = Path(endpoint.data_dir) if endpoint.data_dir else None
        if purge and home is not None:
            # Before anything is signalled: never delete outside the project's data roots.
            check_purge_path(home, [data_root(self.state), self.state.dir])
        server = self._server(endpoint)
        if server is not None and server.is_live():
            self._terminate(engine, server)
        if home is None:
            return
        still = self._recorded_server(home)
        if still is not None:
            # Another server (not the one recorded) runs on this data: stop it too, verified.
            self._terminate(engine, still)
        limits.release(endpoint.limits)
        (home / SERVER_FILE).unlink(missing_ok=True)
        if purge:
            self.purge_home(home)

    def purge_home(self, home: Path) -> bool:
        """Delete an engine's data, refusing while a server runs on it."""
        check_purge_path(home, [data_root(self.state), self.state.dir])
        running = self._recorded_server(home)
        if running is not None:
            raise ArenaError(
                f"A server (pid {running.pid}) still runs on {home}; its data is not deleted.",
                "Stop it first: `arena down` (then `arena down --purge`).",
            )
        if not home.exists():
            return False
        shutil.rmtree(home, ignore_errors=True)
        with contextlib.suppress(OSError):
            home.parent.rmdir()  # the project's level, once no engine is left
        return True

    def purge_leftovers(self, instance: str) -> bool:
        """`down --purge` for an instance already stopped: its data under the data root (and
        under .arena/native/ from earlier arena versions)."""
        removed = self.purge_home(self.home(instance))
        legacy = self.state.dir / "native" / instance
        if legacy.is_dir():
            shutil.rmtree(legacy, ignore_errors=True)
            removed = True
        return removed

    def _terminate(self, engine: Engine, server: ServerProcess, timeout: float = 60.0) -> None:
        if not server.is_live():
            return
        server.signal(engine.native_stop_signal)
        deadline = time.monotonic() + timeout
        while pid_alive(server.pid):
            if time.monotonic() > deadline:
                server.signal(signal.SIGKILL)
                time.sleep(0.2)
                break
            time.sleep(0.05)

    def status(self, engine: Engine, endpoint: Endpoint) -> Health:
        server = self._server(endpoint)
        if server is None or not server.is_live():
            last = tail_file(Path(endpoint.data_dir or ".") / "server.log", 1)
            return Health(endpoint, "crashed", f"process {endpoint.pid} is gone; log: {last}")
        try:
            version = engine.probe(endpoint)
        except Exception as exc:
            return Health(endpoint, "unhealthy", " ".join(str(exc).split())[:200])
        return Health(endpoint.replace(version=version), "up")

    def logs(self, endpoint: Endpoint, tail: int = 50) -> str:
        return tail_file(Path(endpoint.data_dir or ".") / "server.log", tail)


def _bytes(memory: str | None) -> int | None:
    if not memory:
        return None
    from arena.units import parse_size

    return parse_size(memory)


def _limits_record(options: StartOptions, applied: dict) -> dict:
    """What the endpoint records: the limits asked, how each was applied, what was not."""
    record: dict = {}
    if options.cpus is not None:
        record["cpus"] = options.cpus
    if options.memory:
        record["memory"] = options.memory
        record["memory_bytes"] = _bytes(options.memory)
    return {**record, **{k: v for k, v in applied.items() if v}}


__all__ = [
    "NativeContext", "NativeRuntime", "data_root", "engine_of", "find_binaries", "pid_alive",
]  # fmt: skip
