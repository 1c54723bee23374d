"""One workflow call on one session: draw its parameters, run its steps in one transaction at
the asked isolation level, retry what the engine aborted to keep isolation (retry.py), and say
how it ended. Used by the load processes (process.py) and the deterministic run."""

from __future__ import annotations

import contextlib
import decimal
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arena.engines.base import error_text
from arena.scenarios.retry import REJECTED, RetryPolicy, abort_kind
from arena.scenarios.suite import SuiteError

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.load.drivers import Session
    from arena.load.workload import KeyPool
    from arena.scenarios.render import CompiledWorkflow
    from arena.scenarios.suite import ParamSpec

COMMITTED = "committed"
ABORTED = "aborted"
DISTINCT_TRIES = 20
CENT = decimal.Decimal("0.01")


@dataclass
class Outcome:
    status: str  # COMMITTED | REJECTED | ABORTED
    kind: str = ""  # aborted: deadlock | serialization | lock_timeout | constraint | other
    message: str = ""
    retries: list[str] = field(default_factory=list)  # the abort kind of each retried attempt
    reconnect: bool = False  # the session is broken: open a new one


class ParamMaker:
    """A workflow's parameter values from the key pools arena/load/workload.py reads, the
    per-user RNG, and a salt that keeps `unique` values unique across runs."""

    def __init__(self, pools: dict[str, KeyPool], salt: str, binds_decimal: bool) -> None:
        self.pools = pools
        self.salt = salt
        self.binds_decimal = binds_decimal
        self.counter = 0

    def make(self, specs: tuple[ParamSpec, ...], rng: random.Random) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in specs:
            out[p.name] = self.value(p, rng, out)
        return out

    def value(self, p: ParamSpec, rng: random.Random, made: dict[str, Any]) -> Any:
        if p.source == "key":
            pool = self.pools.get(p.table)
            if pool is None or not pool.rows:
                raise SuiteError(f"param {p.name}: no rows in {p.table}.", "Seed it first.")
            key = pool.pick_skewed(rng, p.skew)
            for _ in range(DISTINCT_TRIES):
                if not p.distinct_from or key != made.get(p.distinct_from):
                    break
                key = pool.pick_skewed(rng, p.skew)
            return key
        if p.source == "int":
            return rng.randint(int(p.args[0]), int(p.args[1]))
        if p.source == "float":
            return rng.uniform(float(p.args[0]), float(p.args[1]))
        if p.source == "decimal":
            value = decimal.Decimal(rng.uniform(float(p.args[0]), float(p.args[1]))).quantize(CENT)
            return value if self.binds_decimal else float(value)
        if p.source == "choice":
            return p.args[rng.randrange(len(p.args))]
        self.counter += 1
        return f"{self.salt}-{base36(self.counter)}"[: int(p.args[0])]


def base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


class Executor:
    """Runs compiled workflows on sessions of one engine at one isolation level."""

    def __init__(
        self, engine: Engine, level: str, policy: RetryPolicy, errors: tuple[type, ...]
    ) -> None:
        self.engine = engine
        self.begin = [s.format(level=level) for s in engine.scenario_begin_statements()]
        self.commit = engine.transactions.commit
        self.rollback = engine.transactions.rollback
        self.policy = policy
        self.errors = errors
        self.binds_decimal = engine.scenario_binds_decimal

    def call(
        self, session: Session, workflow: CompiledWorkflow, values: dict[str, Any],
        rng: random.Random, pause: Any,
    ) -> Outcome:  # fmt: skip
        retries: list[str] = []
        attempt = 1
        while True:
            try:
                outcome = self._attempt(session, workflow, values)
                outcome.retries = retries
                return outcome
            except self.errors as exc:
                kind = self.engine.classify_error(exc)
                self._rollback(session)
                if session.broken:
                    return Outcome(ABORTED, "other", error_text(exc), retries, reconnect=True)
                if self.policy.should_retry(kind, attempt):
                    retries.append(abort_kind(kind))
                    pause(self.policy.pause(attempt, rng))
                    attempt += 1
                    continue
                return Outcome(ABORTED, abort_kind(kind), error_text(exc), retries)

    def _attempt(
        self, session: Session, workflow: CompiledWorkflow, values: dict[str, Any]
    ) -> Outcome:
        for statement in self.begin:
            session.execute(statement, ())
        params = dict(values)
        for i, cs in enumerate(workflow.steps):
            step = cs.step
            args = tuple(self._bindable(params[n]) for n in cs.params)
            columns, rows, rowcount, lastrowid = session.execute(cs.sql, args)
            count = len(rows) if columns is not None else rowcount
            if step.returns:
                params[step.returns] = rows[0][0] if cs.returning and rows else lastrowid
            if step.expect is not None and not step.expect.met(count):
                self._rollback(session)
                return Outcome(
                    REJECTED, message=f"step {i + 1}: {count} rows, expected "
                    f"{step.expect.describe()}",
                )  # fmt: skip
            if step.save:
                if not rows:
                    self._rollback(session)
                    return Outcome(REJECTED, message=f"step {i + 1}: no row to save")
                names = [c.lower() for c in columns or ()]
                for name in step.save:
                    if name.lower() not in names:
                        raise SuiteError(
                            f"workflow {workflow.name}, step {i + 1}: save names '{name}', "
                            f"which the statement does not return ({', '.join(names)})."
                        )
                    params[name] = rows[0][names.index(name.lower())]
        session.execute(self.commit, ())
        return Outcome(COMMITTED)

    def _bindable(self, value: Any) -> Any:
        if not self.binds_decimal and isinstance(value, decimal.Decimal):
            return float(value)
        return value

    def _rollback(self, session: Session) -> None:
        with contextlib.suppress(Exception):  # the connection may be gone: nothing to undo
            session.execute(self.rollback, ())
