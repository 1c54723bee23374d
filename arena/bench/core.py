"""The pieces every category uses: a Case (one measured operation), the per-engine Context
(connection, schema shape, scratch tables, seed) and `measure` (warmup, repeats, timing)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arena.bench.stats import Summary, summarize

if TYPE_CHECKING:
    from arena.bench.shape import Shape
    from arena.engines.base import Engine
    from arena.models import Endpoint

SCRATCH_PREFIX = "arena_bench_"


@dataclass
class Options:
    repeats: int = 5
    warmup: int = 1
    iterations: int | None = None  # ops per repeat, overriding each case's own default
    duration: float | None = None  # seconds per case per engine, split across the repeats
    seed: int = 42


@dataclass
class Case:
    """One measured operation. `op` returns the rows it produced (int) or a dict of counters
    ({"rows": .., "queries": ..}); `setup` runs untimed before every repeat."""

    name: str
    op: Callable[[], Any] | None = None
    setup: Callable[[], None] | None = None
    iterations: int = 1
    explain: str | None = None  # a SELECT whose plan is captured once, with a verdict
    na: str | None = None  # why this engine or schema cannot run it
    rows_per_op: int | None = None  # units per op, for a rate from the median: rows/s
    rate_label: str = "rows"  # what rows_per_op counts: the rate is "<label>_per_s"
    summed: tuple[str, ...] = ()  # counters added up over the repeats (commits, aborts)
    metrics: Callable[[], dict[str, Any]] | None = None  # extra numbers after the repeats
    # False: one op per repeat whatever --iterations/--duration say (it needs its setup).
    repeatable: bool = True


@dataclass
class CaseResult:
    category: str
    case: str
    scale: int | None
    engine: str
    samples: list[float] = field(default_factory=list)  # seconds per op, one per repeat
    summary: Summary | None = None
    counters: dict[str, Any] = field(default_factory=dict)
    na: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category, "case": self.case, "scale": self.scale,
            "engine": self.engine, "samples_s": self.samples,
            "summary": self.summary.to_dict() if self.summary else None,
            "counters": self.counters, "na": self.na, "error": self.error,
        }  # fmt: skip


class Context:
    """One engine under test: an open autocommit connection and helpers for categories."""

    def __init__(self, engine: Engine, endpoint: Endpoint, shape: Shape, options: Options):
        self.engine = engine
        self.endpoint = endpoint
        self.shape = shape
        self.options = options
        self.conn = engine.connect(endpoint)
        self.scratch_made: set[str] = set()
        # This engine's own tables by name: the shape is read from the first engine's
        # schema, and a table's namespace (public, dbo, none) is each engine's own.
        self.own_tables: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self.endpoint.instance  # results are keyed by the instance (postgres@tuned)

    def rng(self, salt: str) -> random.Random:
        """The same stream on every engine for the same case: same data, same seed."""
        return random.Random(f"{self.options.seed}:{salt}")

    def connect(self) -> Any:
        return self.engine.connect(self.endpoint)

    def q(self, sql: str, params: tuple = (), conn: Any = None) -> list[tuple]:
        cur = (conn or self.conn).cursor()
        cur.execute(sql, params) if params else cur.execute(sql)
        rows = cur.fetchall() if cur.description is not None else []
        return rows

    def ex(self, *statements: str, conn: Any = None) -> None:
        cur = (conn or self.conn).cursor()
        for sql in statements:
            if sql:
                cur.execute(sql)
                if cur.description is not None:
                    cur.fetchall()

    def t(self, table: Any) -> str:
        """A quoted table reference for a schema Table or a scratch table name."""
        if isinstance(table, str):
            return self.engine.quote(table)
        return self.engine.table_ref(self.own_tables.get(table.name, table))

    def c(self, column: Any) -> str:
        return self.engine.quote(column if isinstance(column, str) else column.name)

    def scratch(self, name: str) -> str:
        """The (unquoted) name of a bench-owned table; dropped at the end of the run."""
        full = SCRATCH_PREFIX + name
        self.scratch_made.add(full)
        return full

    def drop(self, *tables: str) -> None:
        for table in tables:
            self.ex(f"DROP TABLE IF EXISTS {self.engine.quote(table)}")

    def close(self) -> None:
        try:
            # Children first: scratch tables with FKs name "child" in them.
            order = sorted(self.scratch_made, key=lambda n: ("child" not in n, n))
            self.drop(*order)
        finally:
            self.conn.close()


def measure(case: Case, options: Options) -> tuple[list[float], dict[str, Any]]:
    """Seconds per op for each repeat (warmup runs are not kept), and the counters the last
    repeat's last op returned (those named in case.summed added up over the repeats)."""
    counters: dict[str, Any] = {}
    iterations = (options.iterations or case.iterations) if case.repeatable else 1
    budget = None
    if options.duration and case.repeatable:
        budget = options.duration / (options.repeats + options.warmup)
    samples: list[float] = []
    for index in range(options.warmup + options.repeats):
        if case.setup:
            case.setup()
        done = 0
        started = time.perf_counter()
        while True:
            out = case.op()
            done += 1
            elapsed = time.perf_counter() - started
            if budget is not None:
                if elapsed >= budget:
                    break
            elif done >= iterations:
                break
        if index >= options.warmup:
            # An op that times itself (a concurrent run) says what one unit cost.
            own = out.get("seconds_per_unit") if isinstance(out, dict) else None
            samples.append(own if own is not None else elapsed / done)
        if isinstance(out, dict):
            previous, counters = counters, dict(out)
            if index > options.warmup:
                for key in case.summed:
                    counters[key] = counters.get(key, 0) + previous.get(key, 0)
        elif isinstance(out, int):
            counters = {"rows": out}
    counters.pop("seconds_per_unit", None)
    median = summarize(samples).median if samples else 0.0
    if case.rows_per_op and median > 0:
        rate = case.rows_per_op / median
        counters[f"{case.rate_label}_per_s"] = round(rate, 1) if rate < 100 else round(rate)
    if case.metrics:
        counters.update(case.metrics())
    return samples, counters
