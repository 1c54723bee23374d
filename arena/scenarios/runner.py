"""`arena run SUITE`: prepare every engine (prepare.py), then run the suite's workflows on
each, one engine after another, through arena load's own engine (a Locust cluster, the
shape, the per-second monitor, the run folder), with the invariants sampled beside it and
checked again at the end. A violated invariant fails the engine's run, whatever its speed."""

from __future__ import annotations

import contextlib
import signal
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import gevent

from arena.engines.base import error_text
from arena.errors import ArenaError
from arena.load import glue  # noqa: F401  (Locust first: it monkey-patches the process)
from arena.load.config import LoadConfig
from arena.load.live import LiveView, Snapshot
from arena.load.monitor import OUTCOMES, answers, run_engine
from arena.load.patterns import MixSpec
from arena.load.prepare import LoadTarget
from arena.load.results import EngineOutcome, RunFolder
from arena.load.runner import make_cluster
from arena.run_folder import new_run_id
from arena.scenarios.invariants import (
    Check,
    InvariantResult,
    check_all,
    describe,
    failed,
    tally,
)
from arena.scenarios.report import breakdown, internal_errors, totals

if TYPE_CHECKING:
    from arena.load.shapes import StagedShape
    from arena.scenarios.prepare import ScenarioTarget
    from arena.scenarios.suite import Suite
    from arena.state import ProjectState


@dataclass(frozen=True)
class ScenarioOptions:
    shape: StagedShape
    workflows: tuple[str, ...] = ()
    isolation: str | None = None
    retries: int = 3
    seed: int = 42
    tps: float | None = None
    arrival: str = "poisson"

    def describe(self, suite: Suite) -> dict[str, Any]:
        return {
            "kind": "scenario", "suite": suite.name, "suite_source": suite.source,
            "mix": {"name": f"suite {suite.name}", "entries": []},
            "workflows": list(self.workflows), "isolation": self.isolation,
            "retries": self.retries, "shape": self.shape.name,
            "stages": self.shape.describe(), "duration_s": self.shape.duration,
            "max_users": self.shape.max_users, "seed": self.seed,
            "model": "open" if self.tps else "closed", "tps": self.tps,
            "arrival": self.arrival if self.tps else None,
        }  # fmt: skip


@dataclass
class EngineRun:
    name: str
    status: str  # ok | failed | died | interrupted | not run | n/a
    message: str = ""
    level: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)
    invariants: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status, "message": self.message, "isolation": self.level,
            **self.summary, "workflows": self.workflows,
            "not_applicable": self.not_applicable, "invariants": self.invariants,
            "totals": self.totals,
        }  # fmt: skip


@dataclass
class SuiteReport:
    run_id: str
    path: str
    suite: str
    engines: list[EngineRun]
    status: str = "done"
    interrupted: bool = False


def run_suite(
    suite: Suite, targets: list[ScenarioTarget], options: ScenarioOptions,
    state: ProjectState, live: bool = False, run_id: str | None = None,
) -> SuiteReport:  # fmt: skip
    config = LoadConfig(
        shape=options.shape, mix=MixSpec(suite.name, ()), seed=options.seed, tps=options.tps,
        arrival=options.arrival, max_error_rate=1.0,  # aborts are outcomes, not failures
    )  # fmt: skip
    folder = RunFolder(state, run_id or new_run_id("scenario"))
    folder.write_run(
        config=options.describe(suite), started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        engine_order=[t.name for t in targets], kind="scenario",
    )  # fmt: skip
    for t in targets:
        folder.engine_update(
            t.name, status="waiting", version=t.target.version,
            runtime=t.target.endpoint.runtime, driver=t.target.engine.driver, isolation=t.level,
        )  # fmt: skip
    OUTCOMES.clear()
    runs: dict[str, EngineRun] = {}
    interrupted = False
    sigint = gevent.signal_handler(
        signal.SIGINT, gevent.kill, gevent.getcurrent(), KeyboardInterrupt
    )
    with LiveView([t.name for t in targets], live) as view:
        cluster = make_cluster(config)
        try:
            for t in targets:
                runs[t.name] = _run_one(cluster, t, suite, options, config, folder, view)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            sigint.cancel()
            cluster.close()
    engines = [runs.get(t.name) or EngineRun(t.name, "not run") for t in targets]
    folder.write_summary({r.name: r.to_dict() for r in engines})
    status = "interrupted" if interrupted else "done"
    if any(r.status == "failed" for r in engines):
        status = "failed"
    folder.write_run(status=status, ended_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    return SuiteReport(folder.run_id, str(folder.path), suite.name, engines, status, interrupted)


def _run_one(
    cluster: Any, st: ScenarioTarget, suite: Suite, options: ScenarioOptions,
    config: LoadConfig, folder: RunFolder, view: LiveView,
) -> EngineRun:  # fmt: skip
    run = EngineRun(st.name, "ok", level=st.level)
    run.not_applicable = {w.name: w.not_applicable for w in st.workflows if w.not_applicable}
    names = [w.name for w in st.runnable]
    if not names:
        run.status, run.message = (
            "n/a",
            "every workflow is n/a: "
            + "; ".join(f"{k}: {v}" for k, v in run.not_applicable.items()),
        )
        folder.engine_update(st.name, status="n/a", message=run.message)
        view.update(Snapshot(st.name, "done"))
        return run
    plan_extra = {
        "scenario": {
            "suite": suite.to_dict(), "workflows": [w.name for w in st.workflows],
            "isolation": st.level, "retries": options.retries,
        }
    }  # fmt: skip
    target = LoadTarget(st.target, st.schema, operations=tuple(names), plan_extra=plan_extra)
    checks: list[Check] = []
    sampler = gevent.spawn(_sample, st, suite.sample_every, checks)
    outcome: EngineOutcome | None = None
    try:
        outcome = run_engine(cluster, target, config, folder, view)
    except ArenaError as exc:
        run.status, run.message = "failed", exc.one_line()
    except (KeyboardInterrupt, gevent.GreenletExit):
        run.status, run.message = "interrupted", "stopped by Ctrl-C; what was measured is kept"
        outcome = OUTCOMES.get(st.name)
        raise
    except Exception as exc:  # the driver's own error classes, whatever the engine
        alive = answers(target)
        run.status = "failed" if alive else "died"
        run.message = f"{type(exc).__name__}: {error_text(exc)}"
    finally:
        sampler.kill()
        if outcome is not None:
            run.summary = outcome.summary
            if run.status == "ok":
                run.status, run.message = outcome.status, outcome.message
        run.workflows = breakdown(run.summary, names)
        run.totals = totals(run.workflows)
        internal = internal_errors(run.summary)
        if internal and run.status == "ok":  # arena's own bug, not the engine's doing
            run.status, run.message = "failed", f"{internal[1]:,} x {internal[0]}"
        with contextlib.suppress(Exception):  # a dead server: its "after" is not known
            checks.extend(_check(st, "after"))
        results = tally(checks)
        for name, before in st.before.items():  # checked (and held) in prepare
            r = results.setdefault(name, InvariantResult(name))
            r.checks["before"] = before["checks"].get("before", 0)
            r.violations.setdefault("before", 0)
            r.not_applicable = r.not_applicable or before["not_applicable"]
        run.invariants = {name: r.to_dict() for name, r in results.items()}
        broken = failed(results)
        if broken and run.status in ("ok", "interrupted"):
            run.status = "failed" if run.status == "ok" else run.status
            run.message = describe(results[broken[0]]) + (
                f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
            )
        folder.engine_update(
            st.name, status=run.status, message=run.message, invariants=run.invariants,
            workflows=run.workflows, not_applicable=run.not_applicable,
        )  # fmt: skip
        view.update(Snapshot(st.name, "done" if run.status == "ok" else run.status))
    return run


def _check(st: ScenarioTarget, phase: str) -> list[Check]:
    conn = st.target.engine.connect(st.target.endpoint)
    try:
        return check_all(st.target.engine, conn, st.invariants, phase)
    finally:
        conn.close()


def _sample(st: ScenarioTarget, every: float, checks: list[Check]) -> None:
    """Every `every` seconds while the engine runs: all invariants once, on a connection
    of their own (the users' latencies never include it)."""
    while True:
        gevent.sleep(every)
        try:
            checks.extend(_check(st, "during"))
        except Exception:  # the server is busy dying: the monitor reports that  # noqa: S112
            continue
