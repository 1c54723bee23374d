"""Before any load starts: every engine resolved (arena.targets), introspected, its operation
mix compiled against its schema, its key pools read, and every custom statement checked by
the server itself, so a mix that can never run is refused with the server's message."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arena.engines.base import error_text
from arena.errors import ArenaError
from arena.load.drivers import driver_version
from arena.load.process import LoadProcess
from arena.targets import Target, resolve

if TYPE_CHECKING:
    from arena.load.config import LoadConfig
    from arena.schema import Schema
    from arena.state import ProjectState


class InvalidStatementError(ArenaError):
    """A custom operation's SQL that the engine rejects (syntax, a missing table...)."""


@dataclass
class LoadTarget:
    """One engine, checked and introspected before any load starts."""

    target: Target
    schema: Schema
    skipped: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    driver: str = ""  # the load driver's module (Engine.load_driver), sent to every process
    driver_version: str = ""  # ...and its version, recorded next to it in the results
    plan_extra: dict[str, Any] | None = None  # merged into every plan (a scenario suite's)

    @property
    def engine(self) -> Any:
        return self.target.engine

    @property
    def endpoint(self) -> Any:
        return self.target.endpoint

    @property
    def version(self) -> str:
        return self.target.version

    @property
    def name(self) -> str:
        return self.target.name


def prepare_targets(names: list[str], config: LoadConfig, state: ProjectState) -> list[LoadTarget]:
    """Every named engine (every engine up when none is named), ready to load."""
    return [prepare_target(target, config) for target in resolve(names, state)]


def prepare_target(target: Target, config: LoadConfig) -> LoadTarget:
    schema = target.schema()
    if not schema.tables:
        from arena.introspect import no_tables_error

        raise no_tables_error(target.engine, target.endpoint)
    driver = target.engine.load_driver()
    prepared = LoadTarget(target, schema, driver=driver)
    prepared.driver_version = driver_version(target.engine, driver)
    process = LoadProcess(plan_for(prepared, config, "check"))
    empty = process.workload.empty_tables(list(process.mix.operations))
    if empty:
        raise ArenaError(
            f"{target.name}: no rows in {', '.join(empty)}: the load needs data.",
            "Seed it first: `arena seed --rows 10k`.",
        )
    check_custom_statements(target, process)
    prepared.skipped = process.mix.skipped
    prepared.operations = tuple(op.name for op in process.mix.operations)
    return prepared


def check_custom_statements(target: Target, process: LoadProcess) -> None:
    """Have the server parse and plan (Engine.explain) each custom statement of the mix with
    parameters of the kind the load will send: a syntax error or a missing table or column
    is refused now, in the server's words, instead of failing every time it is drawn.
    Generated operations are built from the catalog itself and need no such check. A
    custom operation is one SELECT, INSERT, UPDATE or DELETE statement."""
    custom = [op for op in process.mix.operations if op.kind == "custom"]
    if not custom:
        return
    engine = target.engine
    rng = random.Random(0)
    conn = engine.connect(target.endpoint, connect_timeout=5)
    try:
        cur = conn.cursor()
        for op in custom:
            try:
                cur.execute(engine.check_statement_sql(op.sql), process.workload.params(op, rng))
                if cur.description is not None:
                    cur.fetchall()
            except engine.driver_errors() as exc:
                raise InvalidStatementError(
                    f"{target.name} rejects custom operation '{op.name.removeprefix('custom ')}'"
                    f": {error_text(exc)}",
                    f"Fix its SQL in the mix file; try it with `arena sql {target.name} ...`.",
                ) from None
    finally:
        conn.close()


def plan_for(target: LoadTarget, config: LoadConfig, run_key: str) -> dict[str, Any]:
    """What every load process needs for one engine (sent to workers as a message)."""
    return {
        "run": run_key,
        "engine": target.engine.name,
        "endpoint": target.endpoint.to_dict(),
        "schema": target.schema.to_dict(),
        "mix": config.mix.to_dict(),
        "seed": config.seed,
        "tps": config.tps,
        "arrival": config.arrival,
        "think_time": config.think_time,
        "driver": target.driver,
        # the most users one process gets (Session.own_thread decides on it)
        "users_per_process": config.users_per_process,
        # the same for every engine of a run, different from the last run (unique text)
        "salt": hashlib.sha1(run_key.split(":")[0].encode()).hexdigest()[:6],
        **(target.plan_extra or {}),
    }
