"""What runs inside every load process (the local one, or each Locust worker): the operation
set for the engine being loaded, the arrival schedule, and the users' hot loop.

The hot loop does not fire a Locust request event per query (that caps Locust at ~15k
events/s here): Locust only decides how many users run; each user loops over the mix and
appends latencies to the process's Recorder, which is drained once per report interval.
"""

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
from arena.load.operations import build_operations
from arena.load.patterns import CompiledMix, MixSpec, compile_mix
from arena.load.threads import NEVER_STOPPED, UserStop, run_in_own_thread
from arena.load.workload import Workload, read_pools
from arena.models import Endpoint
from arena.schema import Schema

YIELD_EVERY_NS = 5_000_000  # a solo user hands the hub a turn at least every 5 ms
# ...with a real (if tiny) sleep: gevent.sleep(0) only lets runnable greenlets in, and a lone
# user on a blocking driver (SQLite, libpq's blocking call) that yielded with it starved
# timers: the runner's short waits, Locust's shape ticks (a 4 s ramp ran for 97 s).
YIELD_PAUSE_S = 0.0001
RECONNECT_BACKOFF_S = 0.25


class Arrivals:
    """The open model's schedule of INTENDED start times, shared by the process's users.

    Fixed: one every 1/rate s. Poisson: exponential gaps with mean 1/rate s, like pgbench -R
    (https://www.postgresql.org/docs/current/pgbench.html, "--rate"). A user takes the next
    slot, sleeps until it, runs; latency counts from the slot, so a late start (all users
    busy, a stalled server) shows up in the latency instead of being omitted."""

    def __init__(self, rate: float, poisson: bool, seed: int) -> None:
        self.rate = rate
        self.poisson = poisson
        self.rng = random.Random(f"arrivals:{seed}")
        self.next_ns: int | None = None

    def take(self) -> int:
        now = time.perf_counter_ns()
        if self.next_ns is None:
            self.next_ns = now
        slot = self.next_ns
        gap = self.rng.expovariate(self.rate) if self.poisson else 1.0 / self.rate
        self.next_ns = slot + int(gap * 1e9)
        return slot


def plan_operations(plan: dict[str, Any]) -> tuple[Any, Schema, CompiledMix]:
    engine = get_engine(plan["engine"])
    schema = Schema.from_dict(plan["schema"])
    by_kind = build_operations(engine, schema)
    mix = compile_mix(MixSpec.from_dict(plan["mix"]), engine, by_kind)
    return engine, schema, mix


def tables_touched(mix: CompiledMix) -> set[str]:
    names = {op.table for op in mix.operations if op.table}
    names |= {p.table for op in mix.operations for p in op.params if p.table}
    return names


class ProcessUsers:
    """What a process's users share, for LoadProcess and the scenario suites' process: the
    load driver, where each user runs (a greenlet, or an OS thread of its own for a driver
    whose calls block their thread: Session.own_thread), and connecting with retries.
    A subclass sets `engine`, `endpoint` and `recorder` and writes `_loop`."""

    engine: Any
    endpoint: Endpoint
    recorder: Recorder

    def _use_driver(self, plan: dict[str, Any], driver: str | None) -> None:
        self.session_class = drivers.session_class(self.engine, driver)
        self.errors = self.session_class.errors(self.engine)
        self.own_thread = self.session_class.own_thread(int(plan.get("users_per_process", 1)))

    def _run_user(self) -> None:
        if self.own_thread:
            run_in_own_thread(self._loop)
        else:
            self._loop(NEVER_STOPPED, drivers.pause, in_thread=False)

    def _loop(self, user: UserStop, sleep: Callable[[float], None], in_thread: bool) -> None:
        raise NotImplementedError

    def _connect(self, rng: random.Random, sleep: Callable[[float], None]) -> drivers.Session:
        """Connect, retrying with a pause while the server refuses (each failure counted
        as an error of a pseudo-operation, so a dead server shows in the metrics)."""
        while True:
            try:
                return self.session_class(self.engine, self.endpoint)
            except self.errors as exc:
                with self.recorder.lock:
                    self.recorder.error(
                        "connect", drivers.error_kind(exc, self.engine), drivers.describe(exc)
                    )
                sleep(RECONNECT_BACKOFF_S * (0.5 + rng.random()))


class LoadProcess(ProcessUsers):
    """One engine's load inside one process."""

    def __init__(self, plan: dict[str, Any], process_index: int = 0) -> None:
        self.plan = plan
        self.engine, self.schema, self.mix = plan_operations(plan)
        self.endpoint = Endpoint.from_dict(plan["endpoint"])
        conn = self.engine.connect(self.endpoint, connect_timeout=5)
        try:
            pools, ranges = read_pools(self.engine, conn, self.schema, tables_touched(self.mix))
        finally:
            conn.close()
        self.workload = Workload(
            self.schema, pools, ranges, process_index, str(plan.get("salt", "")),
            engine=self.engine, seed=int(plan["seed"]), tables=tables_touched(self.mix),
        )  # fmt: skip
        self.recorder = Recorder([op.name for op in self.mix.operations])
        self.seed = int(plan["seed"])
        rate = plan.get("tps")
        self.arrivals = (
            Arrivals(float(rate), plan.get("arrival") == "poisson", self.seed + process_index)
            if rate
            else None
        )
        self.think_ns = int(float(plan.get("think_time") or 0) * 1e9)
        self.cumulative = list(itertools.accumulate(self.mix.weights))
        self.fallback = self._fallbacks()
        self.user_counter = itertools.count(process_index * 1_000_000)
        self.users = 0
        self.stopped = False
        self.start_ns: int | None = None
        # The driver the master picked (Engine.load_driver), the same in every process.
        self._use_driver(plan, plan.get("driver"))

    def begin_at(self, wall_time: float) -> None:
        """Users start work at this wall-clock time (the same moment in every process), and
        the arrival schedule is anchored there: the master measures the run from it."""
        self.start_ns = time.perf_counter_ns() + int((wall_time - time.time()) * 1e9)
        if self.arrivals is not None:
            self.arrivals.next_ns = self.start_ns

    def _fallbacks(self) -> list[int | None]:
        """A delete with nothing of arena's to delete yet runs its table's insert instead."""
        inserts = {op.table: i for i, op in enumerate(self.mix.operations) if op.kind == "insert"}
        return [
            inserts.get(op.table) if op.kind == "delete" else None for op in self.mix.operations
        ]

    def user_loop(self) -> None:
        """One user, until Locust kills the greenlet (stop, ramp-down). A driver whose calls
        block their OS thread (Session.own_thread) runs the user's loop in a thread of its
        own, outside gevent's hub; the rest loop in the greenlet."""
        if self.stopped:
            return
        self._run_user()

    def _loop(self, user: UserStop, sleep: Callable[[float], None], in_thread: bool) -> None:
        """The hot loop. In a thread, everything it shares with the process's other users
        and the per-second drain (the workload's keys, the arrivals, the recorder) is touched
        under the recorder's lock, and only the database call runs outside it."""
        guard = self.recorder.lock
        with guard:
            user_index = next(self.user_counter)
            self.users += 1
            drivers.ACTIVE_USERS[0] += 1
        rng = random.Random(f"{self.seed}:{user_index}")
        session = None
        try:
            session = self._connect(rng, sleep)
            ops, cumulative, fallback = self.mix.operations, self.cumulative, self.fallback
            workload, record, arrivals = self.workload, self.recorder.record, self.arrivals
            errors, think_ns = self.errors, self.think_ns
            perf_ns, top = time.perf_counter_ns, cumulative[-1]
            # A thread has no hub to hand a turn to; a greenlet does, every few ms.
            yield_every = float("inf") if in_thread else YIELD_EVERY_NS
            if self.start_ns is not None and self.start_ns > perf_ns():
                sleep((self.start_ns - perf_ns()) / 1e9)
            last_yield = perf_ns()
            while not (self.stopped or user.stop):
                with guard:
                    i = bisect.bisect_right(cumulative, rng.random() * top)
                    if i >= len(ops):
                        i = len(ops) - 1
                    op = ops[i]
                    params = workload.params(op, rng)
                    if params is None and fallback[i] is not None:
                        i = fallback[i]
                        op = ops[i]
                        params = workload.params(op, rng)
                    slot = arrivals.take() if arrivals is not None and params is not None else 0
                if params is None:  # nothing of arena's to delete yet
                    sleep(YIELD_PAUSE_S)
                    continue
                if arrivals is not None:
                    wait_ns = slot - perf_ns()
                    if wait_ns > 0:
                        sleep(wait_ns / 1e9)
                        if self.stopped or user.stop:  # a thread is not killed in its sleep
                            break
                    lag_us = (perf_ns() - slot) // 1000
                    t0 = slot
                else:
                    lag_us = None
                    t0 = perf_ns()
                try:
                    key = session.run(op, params)
                except errors as exc:
                    with guard:
                        self.recorder.error(
                            i, drivers.error_kind(exc, self.engine), drivers.describe(exc)
                        )
                    if session.broken:
                        session.close()
                        session = self._connect(rng, sleep)
                    continue
                done = perf_ns()
                with guard:
                    record(i, (done - t0) // 1000)
                    if lag_us is not None:
                        # Recorded with the latency, never alone: an operation cut off by the
                        # stop (or failed) has no latency, so its lag would stand unmatched.
                        self.recorder.record_lag(lag_us)
                    if op.kind == "insert":
                        workload.remember_insert(op, params, key)
                if think_ns:
                    sleep(think_ns / 1e9)
                    last_yield = perf_ns()
                elif done - last_yield > yield_every:
                    sleep(YIELD_PAUSE_S)
                    last_yield = perf_ns()
        finally:
            with guard:
                self.users -= 1
                drivers.ACTIVE_USERS[0] -= 1
            if session is not None:
                session.close()


def make_process(plan: dict[str, Any], process_index: int = 0) -> Any:
    """The process for a plan: a scenario suite's (arena/scenarios) or a mix's."""
    if plan.get("scenario"):
        from arena.scenarios.process import ScenarioProcess

        return ScenarioProcess(plan, process_index)
    return LoadProcess(plan, process_index)
