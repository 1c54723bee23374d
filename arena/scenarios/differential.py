"""`arena run SUITE --users 1 --deterministic`: the identical sequence of workflow calls on
every engine (one user, one seeded RNG, the same parameters), then a checksum of every table
of the suite's schema compared across engines; a difference is reported with the first rows
that differ. Catches engines that silently behave differently (truncation, collation,
rounding, defaults).

Runs in this process without Locust: a fixed number of calls, not a duration (a duration
would give each engine a different number of calls). Only workflows that run on every
engine are drawn, so the sequence is the same. Columns the engines fill with their own clock
(timestamp, timestamptz, time) are left out of the checksum."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arena.scenarios.executor import COMMITTED, Executor, ParamMaker
from arena.scenarios.retry import RetryPolicy

if TYPE_CHECKING:
    from arena.scenarios.prepare import ScenarioTarget
    from arena.scenarios.suite import Suite
    from arena.schema import Schema

CLOCK_TYPES = frozenset({"timestamp", "timestamptz", "time"})
SALT = "det"  # the same `unique` values on every engine


@dataclass
class EngineCalls:
    name: str
    outcomes: list[str] = field(default_factory=list)  # per call: committed / rejected / ...
    digests: dict[str, str] = field(default_factory=dict)  # table -> checksum
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Difference:
    table: str
    engine: str  # differs from the reference engine (the first one)
    reference: str
    row: list[Any] | None
    reference_row: list[Any] | None
    position: int  # index of the first differing row in primary-key order


@dataclass
class DiffReport:
    calls: int
    workflows: list[str]
    engines: list[EngineCalls]
    differences: list[Difference]
    first_outcome_difference: dict[str, Any] | None = None

    @property
    def equal(self) -> bool:
        return not self.differences and self.first_outcome_difference is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "equal": self.equal, "calls": self.calls, "workflows": self.workflows,
            "engines": {
                e.name: {
                    "outcomes": _count(e.outcomes), "digests": e.digests,
                    "seconds": round(e.seconds, 3),
                }
                for e in self.engines
            },
            "differences": [d.__dict__ for d in self.differences],
            "first_outcome_difference": self.first_outcome_difference,
        }  # fmt: skip


def _count(outcomes: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for o in outcomes:
        out[o] = out.get(o, 0) + 1
    return out


def common_workflows(targets: list[ScenarioTarget]) -> list[str]:
    runnable = [{w.name for w in t.runnable} for t in targets]
    first = [w.name for w in targets[0].runnable] if targets else []
    return [n for n in first if all(n in r for r in runnable)]


def run_deterministic(
    suite: Suite, targets: list[ScenarioTarget], calls: int, seed: int, retries: int,
    reference: Schema,
) -> DiffReport:  # fmt: skip
    names = common_workflows(targets)
    engines = [_run_engine(t, names, calls, seed, retries, reference) for t in targets]
    return DiffReport(calls, names, engines, _compare(engines), _first_outcome(engines))


def _run_engine(
    st: ScenarioTarget, names: list[str], calls: int, seed: int, retries: int,
    reference: Schema,
) -> EngineCalls:  # fmt: skip
    from arena.load import drivers
    from arena.load.workload import read_pools

    engine, endpoint = st.target.engine, st.target.endpoint
    workflows = [w for n in names for w in st.runnable if w.name == n]
    tables = {p.table for w in workflows for p in w.workflow.params if p.table}
    errors = drivers.session_class(engine).errors(engine)
    session = drivers.open_session(engine, endpoint)
    result = EngineCalls(st.name)
    try:
        pools, _ = read_pools(engine, session.conn, st.schema, tables)
        params = ParamMaker(pools, SALT, engine.scenario_binds_decimal)
        executor = Executor(engine, st.level, RetryPolicy(retries), errors)
        rng = random.Random(f"deterministic:{seed}")
        cumulative = list(itertools.accumulate(w.workflow.weight for w in workflows))
        started = time.perf_counter()
        for _ in range(calls if workflows else 0):
            x = rng.random() * cumulative[-1]
            workflow = workflows[min(sum(1 for c in cumulative if c <= x), len(workflows) - 1)]
            values = params.make(workflow.workflow.params, rng)
            outcome = executor.call(session, workflow, values, rng, time.sleep)
            label = outcome.status if outcome.status == COMMITTED else (
                f"{outcome.status} {outcome.kind}".strip()
            )  # fmt: skip
            result.outcomes.append(f"{workflow.name}: {label}")
        result.seconds = time.perf_counter() - started
        for table in reference.tables:
            rows = table_rows(engine, session.conn, st.schema, reference, table.name)
            result.rows[table.name] = rows
            result.digests[table.name] = _digest(rows)
    finally:
        session.close()
    return result


def table_rows(
    engine: Any, conn: Any, schema: Schema, reference: Schema, name: str
) -> list[tuple[Any, ...]]:
    """The table's rows in primary-key order, clock columns left out, values normalised so
    equal data reads equal on every engine (Decimal/REAL to 2 places, booleans as 0/1, dates
    as ISO text, JSON re-serialised with sorted keys)."""
    ref_table = reference.table(name)
    unreferenced = _unreferenced_serial(reference, name)
    columns = [
        c for c in ref_table.columns if c.logical not in CLOCK_TYPES and c.name != unreferenced
    ]
    table = schema.table(name)
    order = ", ".join(engine.quote(k) for k in ref_table.primary_key) or "1"
    select = ", ".join(engine.quote(c.name) for c in columns)
    cur = conn.cursor()
    cur.execute(f"SELECT {select} FROM {engine.table_ref(table)} ORDER BY {order}")
    kinds = [c.logical for c in columns]
    rows = [tuple(_normal(v, k) for v, k in zip(row, kinds, strict=True)) for row in cur.fetchall()]
    if unreferenced:
        rows.sort(key=lambda r: json.dumps(r, default=str))
    return rows


def _unreferenced_serial(reference: Schema, name: str) -> str | None:
    """The serial key of a table no foreign key points at: compared by content, not by id.
    InnoDB hands out AUTO_INCREMENT values with gaps (an INSERT ... SELECT reserves them in
    blocks, an upsert that updates burns one), so ids of equal rows differ by engine."""
    table = reference.table(name)
    if len(table.primary_key) != 1 or not table.column(table.primary_key[0]).identity:
        return None
    if any(fk.ref_table == name for t in reference.tables for fk in t.foreign_keys):
        return None
    return table.primary_key[0]


def _normal(value: Any, logical: str) -> Any:
    if value is None:
        return None
    if logical == "json":
        try:
            parsed = json.loads(value) if isinstance(value, str | bytes) else value
        except ValueError:
            return str(value)
        return json.dumps(parsed, sort_keys=True)
    if isinstance(value, bool):
        return int(value)
    if logical in ("decimal", "float") or isinstance(value, decimal.Decimal | float):
        return f"{float(value):.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _digest(rows: list[tuple[Any, ...]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps(row, default=str).encode())
    return h.hexdigest()[:16]


def _compare(engines: list[EngineCalls]) -> list[Difference]:
    if len(engines) < 2:
        return []
    ref = engines[0]
    out = []
    for other in engines[1:]:
        for table, digest in ref.digests.items():
            if other.digests.get(table) == digest:
                continue
            a, b = ref.rows[table], other.rows.get(table, [])
            position = next(
                (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)),
            )
            out.append(
                Difference(
                    table, other.name, ref.name,
                    list(b[position]) if position < len(b) else None,
                    list(a[position]) if position < len(a) else None, position,
                )
            )  # fmt: skip
    return out


def _first_outcome(engines: list[EngineCalls]) -> dict[str, Any] | None:
    if len(engines) < 2:
        return None
    ref = engines[0]
    for other in engines[1:]:
        for i, (x, y) in enumerate(zip(ref.outcomes, other.outcomes, strict=False)):
            if x != y:
                return {"call": i + 1, ref.name: x, other.name: y}
    return None
