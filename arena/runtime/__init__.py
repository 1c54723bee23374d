"""Runtime registry and the `auto` choice: docker when a daemon answers, else native when the
binaries are found, else a clear error naming what to install. SQLite is always embedded."""

from __future__ import annotations

from arena.engines.base import Engine
from arena.errors import ArenaError, RuntimeUnavailableError, UnknownNameError
from arena.runtime.base import Runtime
from arena.runtime.docker import DockerRuntime, daemon_answers
from arena.runtime.embedded import EmbeddedRuntime
from arena.runtime.native import NativeRuntime
from arena.state import ProjectState

RUNTIMES: dict[str, type[Runtime]] = {
    cls.name: cls for cls in (DockerRuntime, NativeRuntime, EmbeddedRuntime)
}
RUNTIME_CHOICES = (*RUNTIMES, "auto")


def get_runtime(name: str, state: ProjectState) -> Runtime:
    try:
        return RUNTIMES[name](state)
    except KeyError:
        raise UnknownNameError("runtime", name, RUNTIME_CHOICES) from None


def choose_runtime(name: str, engine: Engine, state: ProjectState) -> Runtime:
    """The runtime that will host `engine`, checked to be usable here."""
    if name not in RUNTIME_CHOICES:
        raise UnknownNameError("runtime", name, RUNTIME_CHOICES)
    if engine.runtimes == ("embedded",):
        # SQLite has no server to place: it is in-process whatever runtime the others get.
        return get_runtime("embedded", state)
    if name != "auto":
        if name not in engine.runtimes:
            raise RuntimeUnavailableError(
                f"{engine.display_name} cannot run with the {name} runtime.",
                f"It runs with: {', '.join(engine.runtimes)}.",
            )
        runtime = get_runtime(name, state)
        runtime.check_available(engine)
        return runtime
    if "docker" in engine.runtimes and daemon_answers():
        return get_runtime("docker", state)
    if "native" in engine.runtimes:
        runtime = get_runtime("native", state)
        try:
            runtime.check_available(engine)
            return runtime
        except ArenaError as exc:
            raise RuntimeUnavailableError(
                f"No runtime can start {engine.display_name} here: no Docker daemon answers "
                f"and {exc.message[0].lower()}{exc.message[1:]}",
                f"Start Docker, or install the server: {engine.native_install_hint}.",
            ) from exc
    raise RuntimeUnavailableError(
        f"No runtime can start {engine.display_name} here: it needs Docker and no daemon answers.",
        "Install and start Docker (apt-get install docker.io; dockerd &).",
    )


def runtimes_usable(engine: Engine, state: ProjectState) -> dict[str, str]:
    """For `arena engines`: each runtime the engine supports -> 'yes' or why not."""
    usable: dict[str, str] = {}
    for name in engine.runtimes:
        runtime = get_runtime(name, state)
        try:
            if name == "docker" and not daemon_answers():
                raise RuntimeUnavailableError("no Docker daemon answers")
            runtime.check_available(engine)
            if name == "docker" and not runtime.image_present(engine.default_image):
                raise RuntimeUnavailableError(
                    f"image {engine.default_image} is not present; pull it where a registry "
                    "answers (`make images` builds only the postgres/mariadb stand-ins)"
                )
            usable[name] = "yes"
        except ArenaError as exc:
            usable[name] = f"no: {exc.message}"
    return usable


def versions_usable(engine: Engine, state: ProjectState) -> dict[str, dict[str, str]]:
    """For `arena engines`: each runtime -> the server versions it can start here -> from
    where (bin dir, image). Empty for a runtime that has no versions to choose."""
    found: dict[str, dict[str, str]] = {}
    for name in engine.runtimes:
        try:
            versions = get_runtime(name, state).versions(engine)
        except Exception:  # a daemon that stopped answering lists nothing, it does not fail
            versions = {}
        if versions:
            found[name] = versions
    return found


__all__ = [
    "RUNTIMES",
    "RUNTIME_CHOICES",
    "Runtime",
    "choose_runtime",
    "get_runtime",
    "runtimes_usable",
    "versions_usable",
]
