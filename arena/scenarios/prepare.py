"""Before a suite runs anywhere: every engine resolved, the suite's domain schema applied where
it is missing, its data present, its isolation level one the engine has, every step and
invariant compiled against the engine's own schema, and every invariant holding on the data
as it is. Anything wrong is a one-line error (exit 2) before a single workflow runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arena.correctness.dialect import check_level, row_lock_level
from arena.errors import ArenaError
from arena.scenarios.invariants import check_all, describe, failed, tally
from arena.scenarios.render import (
    CompiledInvariant,
    CompiledWorkflow,
    compile_invariant,
    compile_workflow,
)

if TYPE_CHECKING:
    from arena.scenarios.suite import Suite
    from arena.schema import Schema
    from arena.state import ProjectState
    from arena.targets import Target


class DataNotSeededError(ArenaError):
    """The suite's tables exist but hold no rows to draw parameters from."""


class InvariantViolatedError(ArenaError):
    """The data violates an invariant before the suite starts."""


@dataclass
class ScenarioTarget:
    target: Target
    schema: Schema
    level: str
    workflows: list[CompiledWorkflow]
    invariants: list[CompiledInvariant]
    applied_schema: bool = False
    before: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def runnable(self) -> list[CompiledWorkflow]:
        return [w for w in self.workflows if not w.not_applicable]


def default_level(engine: Any) -> str:
    """READ COMMITTED where the engine has it (most engines' default), else its only level."""
    return row_lock_level(engine)


def prepare(
    suite: Suite, names: list[str], workflows: list[str], isolation: str | None,
    state: ProjectState,
) -> list[ScenarioTarget]:  # fmt: skip
    from arena.targets import resolve

    suite.select(workflows)  # an unknown workflow name fails before any engine is asked
    return [prepare_target(suite, t, workflows, isolation) for t in resolve(names, state)]


def prepare_target(
    suite: Suite, target: Target, workflows: list[str], isolation: str | None
) -> ScenarioTarget:
    engine = target.engine
    level = check_level(engine, isolation) if isolation else default_level(engine)
    applied = ensure_schema(suite, target)
    schema = target.schema()
    chosen = suite.select(workflows)
    compiled = [compile_workflow(w, engine, schema, f"{suite.name}: workflow {w.name}")
                for w in chosen]  # fmt: skip
    invariants = [compile_invariant(i, engine, schema) for i in suite.invariants]
    check_seeded(suite, target, compiled, schema)
    st = ScenarioTarget(target, schema, level, compiled, invariants, applied)
    conn = engine.connect(target.endpoint)
    try:
        results = tally(check_all(engine, conn, invariants, "before"))
    finally:
        conn.close()
    broken = failed(results)
    if broken:
        raise InvariantViolatedError(
            f"{target.name}: the data already violates an invariant: "
            f"{describe(results[broken[0]])}"
            + (f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""),
            f"Reseed it: `arena seed --schema {suite.domain or '<domain>'} --truncate` keeps "
            "derived values consistent; or fix the data.",
        )
    st.before = {name: r.to_dict() for name, r in results.items()}
    return st


def ensure_schema(suite: Suite, target: Target) -> bool:
    """Apply the suite's domain where its tables are missing. True when it did."""
    if not suite.domain:
        return False
    from arena import domains

    domain = domains.definition(suite.domain)
    present = set(target.schema().table_names)
    missing = [t for t in domain.schema.table_names if t not in present]
    if not missing:
        return False
    if len(missing) < len(domain.schema.table_names):
        raise ArenaError(
            f"{target.name} has part of the {suite.domain} schema (missing: {', '.join(missing)}).",
            f"`arena schema apply {suite.domain} --drop --engines {target.name}` recreates it.",
        )
    domains.apply(suite.domain, target.engine, target.endpoint)
    target.refresh_schema()
    return True


def check_seeded(
    suite: Suite, target: Target, compiled: list[CompiledWorkflow], schema: Schema
) -> None:
    """Every table a workflow draws keys from has rows."""
    tables = sorted({p.table for c in compiled for p in c.workflow.params if p.table})
    for name in tables:
        if name not in schema.table_names:
            from arena.scenarios.suite import SuiteError

            user = next(c.name for c in compiled for p in c.workflow.params if p.table == name)
            raise SuiteError(
                f"{suite.name}: workflow {user} draws keys from table '{name}', which does "
                f"not exist on {target.name}.",
                f"Tables: {', '.join(schema.table_names)}.",
            )
    engine = target.engine
    conn = engine.connect(target.endpoint)
    try:
        cur = conn.cursor()
        empty = []
        for name in tables:
            cur.execute(engine.limit(f"SELECT 1 FROM {engine.table_ref(schema.table(name))}", 1))
            if not cur.fetchall():
                empty.append(name)
    finally:
        conn.close()
    if empty:
        domain = f" --schema {suite.domain}" if suite.domain else ""
        raise DataNotSeededError(
            f"{target.name}: the {suite.name} suite's tables are empty ({', '.join(empty)}).",
            f"Seed them first: `arena seed{domain} --rows 10k --engines {target.name}`.",
        )
