"""`arena up / ps / down / sql` as a library: what the CLI calls, with no printing."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from arena.engines import ENGINES, get_engine
from arena.engines.base import Engine
from arena.errors import ArenaError, NotUpError
from arena.instances import canonical, engine_of, version_of
from arena.models import Endpoint, Health, StartOptions
from arena.runtime import choose_runtime, get_runtime
from arena.state import ProjectState


@dataclass(frozen=True, slots=True)
class UpResult:
    endpoint: Endpoint | None
    engine: str  # the instance name (postgres, postgres@tuned)
    outcome: str  # "started", "already up", "failed"
    error: ArenaError | None = None
    note: str = ""  # e.g. which requested options an engine already up did not take


def up(
    names: list[str],
    runtime_name: str = "auto",
    options: dict[str, StartOptions] | None = None,
    state: ProjectState | None = None,
) -> list[UpResult]:
    """Start each instance (concurrently), wait for readiness, read its effective settings
    back, record endpoints. `names` are instance names (postgres, postgres@tuned, postgres@16);
    `options` is keyed by instance name.

    Every name and runtime is checked before anything starts. An instance that fails to start
    leaves nothing behind; the others still start and are recorded.
    """
    state = state or ProjectState()
    instances = list(dict.fromkeys(canonical(n) for n in names))
    options = {canonical(k): v for k, v in (options or {}).items()}
    wanted = {}
    for instance in instances:
        opts = options.get(instance, StartOptions())
        wanted[instance] = dataclasses.replace(
            opts, name=instance, version=opts.version or version_of(instance)
        )
    state.ensure_dir()
    plans: list[tuple[str, Engine, object | None]] = []
    results: dict[str, UpResult] = {}
    known = state.endpoints()
    adopt_discovered(state, known)  # servers still running after the state file was lost
    for instance in instances:
        engine = engine_of(instance)
        existing = state.endpoint(instance)
        if existing is not None:
            health = get_runtime(existing.runtime, state).status(engine, existing)
            if health.status == "up":
                note = ignored_options(existing, runtime_name, wanted[instance])
                results[instance] = UpResult(health.endpoint, instance, "already up", note=note)
                continue
            # Recorded but dead (crash, reboot): clean up what is left and start afresh.
            get_runtime(existing.runtime, state).stop(existing)
            state.remove_endpoint(instance)
        runtime = runtime_for_version(runtime_name, engine, wanted[instance].version, state)
        plans.append((instance, engine, runtime))

    def start(plan: tuple) -> UpResult:
        instance, engine, runtime = plan
        had_password = instance in state.snapshot().get("passwords", {})
        try:
            endpoint = runtime.start(engine, wanted[instance])
        except ArenaError as exc:
            if not had_password:  # a start that made nothing keeps no password either
                state.forget_password(instance)
            return UpResult(None, instance, "failed", exc)
        endpoint = with_settings(engine, endpoint)
        state.save_endpoint(endpoint)
        return UpResult(endpoint, instance, "started")

    with ThreadPoolExecutor(max_workers=max(1, len(plans))) as pool:
        for result in pool.map(start, plans):
            results[result.engine] = result
    return [results[i] for i in instances]


def runtime_for_version(name: str, engine: Engine, version: str | None, state: ProjectState):
    """The runtime for an instance, checked to have its version before anything starts. With
    `auto`, a version docker has no image for but the native binaries have runs natively."""
    runtime = choose_runtime(name, engine, state)
    try:
        runtime.check_version(engine, version)
        return runtime
    except ArenaError as exc:
        if name != "auto" or runtime.name == "native" or "native" not in engine.runtimes:
            raise
        native = get_runtime("native", state)
        try:
            native.check_available(engine)
            native.check_version(engine, version)
        except ArenaError:
            raise exc from None
        return native


def with_settings(engine: Engine, endpoint: Endpoint) -> Endpoint:
    """The endpoint with its effective settings as the server reports them (the requested
    ones and the engine's reported_settings); a server that cannot say leaves them empty."""
    names = [*engine.reported_settings, *endpoint.requested_settings]
    try:
        settings = engine.read_settings(endpoint, list(dict.fromkeys(names)))
    except Exception as exc:  # the server answered the probe; a read failure is not fatal
        from arena.engines.base import error_text

        return endpoint.replace(extra={**endpoint.extra, "settings_error": error_text(exc)})
    return endpoint.replace(settings=settings)


def ignored_options(existing: Endpoint, runtime_name: str, options: StartOptions) -> str:
    """What `up` was asked that an engine already up does not get (it is not restarted)."""
    ignored = []
    if runtime_name not in ("auto", existing.runtime):
        ignored.append(f"--runtime {runtime_name} (it runs on {existing.runtime})")
    if options.port is not None and options.port != existing.port:
        ignored.append(f"--port {options.port} (it listens on {existing.port})")
    if options.image and options.image != existing.extra.get("image"):
        ignored.append(f"--image {options.image}")
    changed = {k: v for k, v in options.settings.items() if existing.requested_settings.get(k) != v}
    if changed:
        ignored.append("--set " + ", ".join(f"{k}={v}" for k, v in changed.items()))
    if not ignored:
        return ""
    return (
        f"{existing.instance} is already up; not applied: {', '.join(ignored)}. "
        f"`arena down {existing.instance}` first to change it."
    )


def ps(state: ProjectState | None = None) -> list[Health]:
    """Live health of every engine the project has up (state file, plus runtime discovery)."""
    state = state or ProjectState()
    endpoints = state.endpoints()
    for found in adopt_discovered(state, known=endpoints):
        endpoints[found.instance] = found
    healths = []
    for _, endpoint in sorted(endpoints.items()):
        runtime = get_runtime(endpoint.runtime, state)
        healths.append(runtime.status(get_engine(endpoint.engine), endpoint))
    return healths


def down(
    names: list[str] | None = None, purge: bool = False, state: ProjectState | None = None
) -> list[tuple[str, str]]:
    """Stop (and with purge, delete) the named instances, or all. Returns (instance, outcome)."""
    state = state or ProjectState()
    endpoints = {h.endpoint.instance: h.endpoint for h in ps(state)}
    targets = [canonical(n) for n in names] if names else sorted(endpoints)
    outcomes = []
    for name in targets:
        endpoint = endpoints.get(name)
        if endpoint is None:
            outcomes.append((name, "not up"))
            continue
        try:
            get_runtime(endpoint.runtime, state).stop(endpoint, purge=purge)
        except ArenaError as exc:  # e.g. a purge refused: the others still go down
            outcomes.append((name, f"refused: {exc.one_line()}"))
            continue
        state.remove_endpoint(name)
        outcomes.append((name, "removed" if purge else "stopped"))
    if purge:
        # Data left by instances that are no longer up (stopped earlier without --purge).
        for name in targets if names else leftover_instances(state):
            if name in endpoints:
                continue
            try:
                if purge_leftovers(name, state):
                    outcomes.append((name, "purged leftover data"))
            except ArenaError as exc:
                outcomes.append((name, f"refused: {exc.one_line()}"))
    return outcomes


def _runtimes(state: ProjectState) -> list:
    """Every runtime that can answer here (docker only when a daemon does)."""
    from arena.runtime.docker import daemon_answers

    names = ["native", "embedded"] + (["docker"] if daemon_answers() else [])
    return [get_runtime(name, state) for name in names]


def leftover_instances(state: ProjectState) -> list[str]:
    """Every instance name that may have data left in some runtime: each engine's plain
    instance and every variant a runtime still holds data for."""
    names = set(ENGINES)
    for runtime in _runtimes(state):
        names.update(runtime.leftover_instances())
    return sorted(names)


def purge_leftovers(name: str, state: ProjectState) -> bool:
    """Delete the data a stopped engine left in every runtime: the native data directory,
    the SQLite file and, when a Docker daemon answers, the engine's named volumes. A runtime
    refuses (ArenaError) to delete the data of a server that still runs."""
    removed = False
    for runtime in _runtimes(state):
        removed = runtime.purge_leftovers(name) or removed
    return removed


def adopt_discovered(state: ProjectState, known: dict[str, Endpoint]) -> list[Endpoint]:
    """Servers of this project that the state file does not know (it was lost or deleted):
    containers found by label, native servers by the record in their data directory
    (checked against the live process). Recorded again so every command works on them."""
    adopted = []
    for runtime in _runtimes(state):
        for endpoint in runtime.discover():
            if endpoint.instance not in known and endpoint.instance not in {
                e.instance for e in adopted
            }:
                adopted.append(endpoint)
    # Their effective settings are asked again (the record in the data dir keeps the asked ones).
    adopted = [with_settings(get_engine(e.engine), e) for e in adopted]
    for endpoint in adopted:
        state.save_endpoint(endpoint)
    return adopted


def require_endpoint(name: str, state: ProjectState | None = None) -> tuple[Engine, Endpoint]:
    state = state or ProjectState()
    instance = canonical(name)
    engine = engine_of(instance)
    endpoint = state.endpoint(instance)
    if endpoint is None:
        endpoint = next(
            (e for e in adopt_discovered(state, state.endpoints()) if e.instance == instance), None
        )
    if endpoint is None:
        raise NotUpError(f"{instance} is not up.", f"Run `arena up {instance}` first.")
    return engine, endpoint


def sql(name: str, statement: str, state: ProjectState | None = None):
    engine, endpoint = require_endpoint(name, state)
    return engine.execute(endpoint, statement)
