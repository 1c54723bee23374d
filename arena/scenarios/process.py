"""A scenario suite inside one load process: arena/load/process.py's LoadProcess contract
(recorder, users, stopped, begin_at, user_loop), with workflow calls instead of single
statements. Each workflow is one "operation" of the recorder: its latency is the whole
transaction, retries included, measured from the intended start in the open model.

Recorded per workflow: commits as latencies; "rejected" (an `expect` not met), "abort KIND"
and "retry KIND" as counted errors of the workflow (arena/scenarios/report.py splits them)."""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections.abc import Callable
from typing import Any

from arena.engines import get_engine
from arena.load import drivers
from arena.load.metrics import Recorder
from arena.load.process import YIELD_EVERY_NS, YIELD_PAUSE_S, Arrivals, ProcessUsers
from arena.load.threads import UserStop
from arena.load.workload import read_pools
from arena.models import Endpoint
from arena.scenarios.executor import ABORTED, COMMITTED, Executor, ParamMaker, base36
from arena.scenarios.render import CompiledWorkflow, compile_workflow
from arena.scenarios.retry import REJECTED, RETRY_PREFIX, RetryPolicy
from arena.scenarios.suite import suite_from_dict
from arena.schema import Schema


def compiled_workflows(plan: dict[str, Any], engine: Any, schema: Schema | None) -> list[Any]:
    scenario = plan["scenario"]
    suite = suite_from_dict(scenario["suite"])
    chosen = suite.select(scenario.get("workflows") or None)
    return [compile_workflow(w, engine, schema) for w in chosen]


class ScenarioProcess(ProcessUsers):
    """One engine's suite inside one process."""

    def __init__(self, plan: dict[str, Any], process_index: int = 0) -> None:
        scenario = plan["scenario"]
        self.plan = plan
        self.engine = get_engine(plan["engine"])
        self.schema = Schema.from_dict(plan["schema"])
        self.endpoint = Endpoint.from_dict(plan["endpoint"])
        compiled = compiled_workflows(plan, self.engine, self.schema)
        self.workflows: list[CompiledWorkflow] = [c for c in compiled if not c.not_applicable]
        tables = {p.table for c in self.workflows for p in c.workflow.params if p.table}
        conn = self.engine.connect(self.endpoint, connect_timeout=5)
        try:
            pools, _ = read_pools(self.engine, conn, self.schema, tables)
        finally:
            conn.close()
        self._use_driver(plan, None)  # Engine.load_driver's pick
        policy = RetryPolicy(retries=int(scenario.get("retries", 3)))
        self.executor = Executor(self.engine, scenario["isolation"], policy, self.errors)
        self.pools = pools
        self.salt = str(plan.get("salt", ""))
        self.recorder = Recorder([c.name for c in self.workflows])
        self.cumulative = list(itertools.accumulate(c.workflow.weight for c in self.workflows))
        self.seed = int(plan["seed"])
        rate = plan.get("tps")
        self.arrivals = (
            Arrivals(float(rate), plan.get("arrival") == "poisson", self.seed + process_index)
            if rate
            else None
        )
        self.user_counter = itertools.count(process_index * 1_000_000)
        self.users = 0
        self.stopped = False
        self.start_ns: int | None = None

    def begin_at(self, wall_time: float) -> None:
        self.start_ns = time.perf_counter_ns() + int((wall_time - time.time()) * 1e9)
        if self.arrivals is not None:
            self.arrivals.next_ns = self.start_ns

    def user_loop(self) -> None:
        """One user's loop of workflow calls, until Locust stops it; in an OS thread of its
        own on a driver whose calls block their thread (as arena/load/process.py does)."""
        if self.stopped or not self.workflows:
            drivers.pause(0.05)
            return
        self._run_user()

    def _loop(self, user: UserStop, sleep: Callable[[float], None], in_thread: bool) -> None:
        guard = self.recorder.lock  # what the users share, as in arena/load/process.py
        with guard:
            user_index = next(self.user_counter)
            self.users += 1
            drivers.ACTIVE_USERS[0] += 1
        rng = random.Random(f"{self.seed}:{user_index}")
        params = ParamMaker(
            self.pools, f"{self.salt}{base36(user_index)}", self.engine.scenario_binds_decimal
        )
        session = None
        perf_ns = time.perf_counter_ns
        yield_every = float("inf") if in_thread else YIELD_EVERY_NS
        try:
            session = self._connect(rng, sleep)
            if self.start_ns is not None and self.start_ns > perf_ns():
                sleep((self.start_ns - perf_ns()) / 1e9)
            last_yield = perf_ns()
            top = self.cumulative[-1]
            while not (self.stopped or user.stop):
                i = min(bisect.bisect_right(self.cumulative, rng.random() * top),
                        len(self.workflows) - 1)  # fmt: skip
                workflow = self.workflows[i]
                values = params.make(workflow.workflow.params, rng)
                if self.arrivals is not None:
                    with guard:
                        slot = self.arrivals.take()
                    wait_ns = slot - perf_ns()
                    if wait_ns > 0:
                        sleep(wait_ns / 1e9)
                        if self.stopped or user.stop:  # a thread is not killed in its sleep
                            break
                    lag_us = (perf_ns() - slot) // 1000
                    t0 = slot
                else:
                    lag_us, t0 = None, perf_ns()
                outcome = self.executor.call(session, workflow, values, rng, sleep)
                done = perf_ns()
                with guard:
                    self._record(i, outcome, done - t0, lag_us)
                if outcome.reconnect:
                    session.close()
                    session = self._connect(rng, sleep)
                if done - last_yield > yield_every:
                    sleep(YIELD_PAUSE_S)
                    last_yield = perf_ns()
        finally:
            with guard:
                self.users -= 1
                drivers.ACTIVE_USERS[0] -= 1
            if session is not None:
                session.close()

    def _record(self, i: int, outcome: Any, elapsed_ns: int, lag_us: int | None) -> None:
        for kind in outcome.retries:
            self.recorder.error(i, RETRY_PREFIX + kind)
        if outcome.status == COMMITTED:
            self.recorder.record(i, elapsed_ns // 1000)
            if lag_us is not None:
                self.recorder.record_lag(lag_us)
        elif outcome.status == REJECTED:
            self.recorder.error(i, REJECTED, outcome.message)
        elif outcome.status == ABORTED:
            self.recorder.error(i, f"abort {outcome.kind}", outcome.message)
