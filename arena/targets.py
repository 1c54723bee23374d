"""Which engines a command works on: names -> reachable engines, each with its endpoint, live
server version and a lazily introspected schema.

Every command that talks to running engines (sql, inspect, seed, schema apply, load, run,
bench) resolves its targets here, so "nothing is up", "X is not up" and "X does not answer"
read the same everywhere and are one-line errors (exit 2), never a driver traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from arena.engines import get_engine
from arena.errors import ArenaError, NotUpError
from arena.instances import canonical

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.models import Endpoint
    from arena.schema import Schema
    from arena.state import ProjectState


class EngineUnreachableError(ArenaError):
    """An engine is recorded as up but its server does not answer."""


@dataclass(eq=False)
class Target:
    """One instance a command works on (postgres, postgres@tuned): `engine` is its Engine,
    `name` the instance name every result is keyed by. The schema is read from the catalog
    on first use and kept; `refresh_schema()` forgets it (after DDL)."""

    engine: Engine
    endpoint: Endpoint
    version: str = ""
    _schema: Schema | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.endpoint.instance

    def schema(self) -> Schema:
        if self._schema is None:
            from arena.introspect import introspect

            self._schema = introspect(self.engine, self.endpoint)
        return self._schema

    def refresh_schema(self) -> None:
        self._schema = None

    def check_reachable(self) -> str:
        """Ask the server its version; a dead or unreachable server is a one-line error."""
        try:
            self.version = self.engine.probe(self.endpoint)
        except Exception as exc:  # every driver has its own error classes; all mean "down"
            from arena.engines.base import error_text

            raise unreachable_error(self.name, error_text(exc)) from exc
        return self.version


def unreachable_error(name: str, reason: str) -> EngineUnreachableError:
    return EngineUnreachableError(
        f"{name} does not answer: {reason}",
        f"`arena ps` shows its health; `arena up {name}` starts it again.",
    )


def nothing_up_error() -> NotUpError:
    return NotUpError("Nothing is up.", "Start engines first, e.g. `arena up postgres sqlite`.")


def names_up(state: ProjectState | None = None) -> list[str]:
    """Instances recorded as up in this project, sorted."""
    from arena.state import ProjectState

    return sorted((state or ProjectState()).endpoints())


def resolve(
    names: Iterable[str] = (),
    state: ProjectState | None = None,
    *,
    reachable: bool = True,
) -> list[Target]:
    """Targets for `names` (instance names: postgres, postgres@tuned; engine typos get a
    did-you-mean), or every instance that is up when `names` is empty. With `reachable`, each
    server is asked its version first."""
    from arena.state import ProjectState

    state = state or ProjectState()
    endpoints = state.endpoints()
    chosen = [canonical(n) for n in names if n.strip()]
    if not endpoints or any(name not in endpoints for name in chosen):
        # The state file may have been lost while servers still run: find them (containers by
        # label, native servers by the record in their data directory) before saying "not up".
        from arena import lifecycle

        lifecycle.adopt_discovered(state, endpoints)
        endpoints = state.endpoints()
    if not chosen:
        chosen = sorted(endpoints)
        if not chosen:
            raise nothing_up_error()
    targets = []
    for name in dict.fromkeys(chosen):  # keep order, drop repeats
        if name not in endpoints:
            raise NotUpError(f"{name} is not up.", f"Run `arena up {name}` first.")
        endpoint = endpoints[name]
        target = Target(get_engine(endpoint.engine), endpoint, version=endpoint.version)
        if reachable:
            target.check_reachable()
        targets.append(target)
    return targets


__all__ = [
    "EngineUnreachableError",
    "Target",
    "names_up",
    "nothing_up_error",
    "resolve",
    "unreachable_error",
]
