"""The Locust wiring: Environment, runners (local, or master + worker processes), the shape,
and the once-a-second monitor that merges metrics, writes results and updates the live view.

Roles: Locust decides how many users run at each moment (the shape); each user runs arena's
hot loop (arena/load/process.py) and records into the process's own histograms; workers
send each second's histograms to the master as a custom message ("arena_metrics"), and the
plan for an engine ("arena_plan") travels the other way. Locust's request statistics are not
used for any number arena reports.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import gevent
import locust  # noqa: F401  (monkey-patches the process: before any DB driver is imported)
from locust import LoadTestShape, User, constant, task
from locust.env import Environment
from locust.runners import STATE_STOPPED

from arena.engines import get_engine
from arena.engines.base import error_text
from arena.errors import ArenaError
from arena.load.config import LoadConfig
from arena.load.live import LiveView, Snapshot, feed_locust_stats
from arena.load.metrics import Aggregate, Interval, Seconds, set_pause, summarize
from arena.load.process import LoadProcess
from arena.load.results import RunFolder
from arena.load.shapes import StagedShape
from arena.models import Endpoint
from arena.schema import Schema
from arena.state import ProjectState

logging.getLogger("locust").setLevel(logging.ERROR)
# The per-second bookkeeping yields to the users about once per millisecond of work (see
# metrics.set_pause). Not with sleep(0): that only lets already-runnable greenlets in, while
# a user waiting for its arrival slot needs the loop to run its timer. Measured at 500/s on
# a 60-operation mix: schedule lag p99 25 ms without yielding, 8-12 ms with sleep(0),
# 0.4-0.8 ms with this.
set_pause(lambda: gevent.sleep(0.0001))

DEATH_AFTER_S = 3  # seconds with errors and not one success before the server is probed
WORKER_CONNECT_TIMEOUT_S = 60
PLAN_TIMEOUT_S = 120
METRICS_JSON_EVERY_S = 5
START_LEAD_S = 0.5


@dataclass
class Target:
    """One engine, checked and introspected before any load starts."""

    engine: Any
    endpoint: Endpoint
    schema: Schema
    version: str
    skipped: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()


@dataclass
class EngineResult:
    engine: str
    status: str  # "ok" | "died" | "failed" | "interrupted"
    message: str = ""
    elapsed: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


# -- Locust glue ------------------------------------------------------------------------


class ShapeAdapter(LoadTestShape):
    """Locust's view of an arena shape; the shape is swapped per engine run."""

    def __init__(self) -> None:
        super().__init__()
        self.shape: StagedShape | None = None
        self.lead = 0.0  # users are spawned this long before the measured start

    def tick(self) -> tuple[int, float] | None:
        if self.shape is None:
            return None
        # Hold the last stage: the monitor ends the run at exactly start + duration (the
        # shape's own ticks come only once a second).
        elapsed = min(self.get_run_time() - self.lead, self.shape.duration - 1e-6)
        return self.shape.users_at(max(0.0, elapsed))


class Holder:
    process: LoadProcess | None = None


def make_user_class(holder: Holder) -> type[User]:
    class ArenaUser(User):
        wait_time = constant(0)

        @task
        def load(self) -> None:
            process = holder.process
            if process is None or process.stopped:
                gevent.sleep(0.05)
                return
            try:
                process.user_loop()
            except Exception as exc:  # a bug must not turn into a silent spin
                process.recorder.error("internal", f"{type(exc).__name__}: {exc}")
                gevent.sleep(1)

    return ArenaUser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """Users as greenlets in this process (one core at most)."""

    def __init__(self, web_port: int | None = None) -> None:
        self.holder = Holder()
        self.shape = ShapeAdapter()
        self.env = Environment(
            user_classes=[make_user_class(self.holder)], shape_class=self.shape, stop_timeout=0
        )
        self.runner = self.env.create_local_runner()
        self.sources = 1
        self.stopped_at: float | None = None
        self.env.events.test_stopping.add_listener(self._on_stopping)
        self.web = self.env.create_web_ui("127.0.0.1", web_port) if web_port else None

    def _on_stopping(self, **_: Any) -> None:
        self.stopped_at = self.stopped_at or time.perf_counter()

    def prepare(self, plan: dict[str, Any], process: LoadProcess) -> None:
        self.holder.process = process

    def start(self, shape: StagedShape, start_at: float) -> None:
        self.stopped_at = None
        self.shape.shape, self.shape.lead = shape, start_at - time.time()
        if self.holder.process is not None:
            self.holder.process.begin_at(start_at)
        self.runner.start_shape()

    def collect(self) -> list[tuple[int, str, Interval]]:
        process = self.holder.process
        if process is None:
            return []
        return [(wall_second(), "local", process.recorder.drain(process.users))]

    def finished(self) -> bool:
        return self.runner.state == STATE_STOPPED

    def stop(self) -> None:
        # Stamp the end before runner.stop(): it walks inspect.stack() for a debug log line
        # (~30 ms here) before test_stopping fires, while the users are already told to stop.
        self.stopped_at = self.stopped_at or time.perf_counter()
        if self.holder.process is not None:
            self.holder.process.stopped = True
        self.runner.stop()

    def finalize(self) -> list[tuple[int, str, Interval]]:
        intervals = self.collect()
        self.holder.process = None
        return intervals

    def close(self) -> None:
        self.runner.quit()
        if self.web is not None:
            self.web.stop()


class MasterCluster:
    """A Locust master here and worker processes (one per core for the peak): local ones it
    starts itself, plus remote ones started with `arena worker --master HOST`."""

    def __init__(self, config: LoadConfig, web_port: int | None = None) -> None:
        self.expected = config.workers + config.remote_workers
        self.sources = self.expected
        self.shape = ShapeAdapter()
        self.env = Environment(
            user_classes=[make_user_class(Holder())], shape_class=self.shape, stop_timeout=0
        )
        self.port = config.master_port or free_port()
        self.runner = self.env.create_master_runner(config.master_bind, self.port)
        self.runner.register_message("arena_metrics", self._on_metrics)
        self.runner.register_message("arena_ready", self._on_ready)
        self.env.events.test_stopping.add_listener(self._on_stopping)
        self.web = self.env.create_web_ui("127.0.0.1", web_port) if web_port else None
        self.key = ""
        self.pending: list[tuple[int, str, Interval]] = []
        self.finals: set[str] = set()
        self.acks: dict[str, str | None] = {}
        self.stopped_at: float | None = None
        self.procs = [self._spawn_worker() for _ in range(config.workers)]
        self._wait_for_workers()

    def _spawn_worker(self) -> subprocess.Popen:
        host = "127.0.0.1" if self.runner.master_bind_host in ("*", "0.0.0.0") else None
        return subprocess.Popen(
            [sys.executable, "-m", "arena", "worker", "--master",
             host or self.runner.master_bind_host, "--master-port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ},
            start_new_session=True,  # Ctrl-C goes to the master, which stops the workers
        )  # fmt: skip

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + WORKER_CONNECT_TIMEOUT_S
        while len(self.runner.clients.ready) < self.expected:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                details = dead[0].stderr.read().decode(errors="replace")[-2000:] if dead else ""
                self.close()
                raise ArenaError(
                    f"Only {len(self.runner.clients.ready)} of {self.expected} load workers "
                    "connected.",
                    "Remote workers: run `arena worker --master HOST --master-port "
                    f"{self.port}` on each machine.",
                    details,
                )
            gevent.sleep(0.1)

    def _on_stopping(self, **_: Any) -> None:
        self.stopped_at = self.stopped_at or time.perf_counter()

    def _on_ready(self, environment: Any, msg: Any) -> None:
        if msg.data.get("run") == self.key:
            self.acks[msg.node_id] = msg.data.get("error")

    def _on_metrics(self, environment: Any, msg: Any) -> None:
        if msg.data.get("run") != self.key:
            return
        interval = Interval.from_message(msg.data["interval"])
        self.pending.append((int(msg.data["second"]), msg.node_id, interval))
        if msg.data.get("final"):
            self.finals.add(msg.node_id)

    def prepare(self, plan: dict[str, Any], process: LoadProcess) -> None:
        self.key, self.acks, self.finals, self.pending = plan["run"], {}, set(), []
        plan = {**plan, "tps": plan["tps"] / self.expected if plan.get("tps") else None}
        self.runner.send_message("arena_plan", plan)
        deadline = time.monotonic() + PLAN_TIMEOUT_S
        while len(self.acks) < self.expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        errors = [e for e in self.acks.values() if e]
        if errors or len(self.acks) < self.expected:
            raise ArenaError(
                f"{plan['engine']}: a load worker could not prepare: "
                f"{errors[0] if errors else 'no answer in time'}",
                "Check that every worker machine can reach the engine.",
            )

    def start(self, shape: StagedShape, start_at: float) -> None:
        self.stopped_at = None
        self.shape.shape, self.shape.lead = shape, start_at - time.time()
        # before the spawn messages on the same socket: workers anchor first, then spawn
        self.runner.send_message("arena_start", {"run": self.key, "start_at": start_at})
        self.runner.start_shape()

    def collect(self) -> list[tuple[int, str, Interval]]:
        pending, self.pending = self.pending, []
        return pending

    def finished(self) -> bool:
        return self.runner.state == STATE_STOPPED or self.stopped_at is not None

    def stop(self) -> None:
        self.stopped_at = self.stopped_at or time.perf_counter()
        # Ahead of Locust's own stop, which workers act on only after ~30 ms of inspect.stack()
        self.runner.send_message("arena_stop", {"run": self.key})
        self.runner.stop()

    def finalize(self) -> list[tuple[int, str, Interval]]:
        deadline = time.monotonic() + 15
        while len(self.finals) < self.expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        # workers become ready again once they have stopped; the next engine needs them so
        while len(self.runner.clients.ready) < self.expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        return self.collect()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.runner.quit()
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if self.web is not None:
            self.web.stop()


# -- preparing engines ------------------------------------------------------------------


def prepare_target(name: str, config: LoadConfig, state: ProjectState) -> Target:
    from arena.introspect import introspect
    from arena.lifecycle import require_endpoint

    engine, endpoint = require_endpoint(name, state)
    try:
        version = engine.probe(endpoint)
    except engine.driver_errors() as exc:
        raise ArenaError(
            f"{engine.name} does not answer at {endpoint.address}: {error_text(exc)}",
            f"Check `arena ps`; restart it with `arena up {engine.name}`.",
        ) from exc
    schema = introspect(engine, endpoint)
    if not schema.tables:
        from arena.introspect import no_tables_error

        raise no_tables_error(engine, endpoint)
    target = Target(engine, endpoint, schema, version)
    process = LoadProcess(plan_for(target, config, "check"))
    empty = process.workload.empty_tables(list(process.mix.operations))
    if empty:
        raise ArenaError(
            f"{engine.name}: no rows in {', '.join(empty)}: the load needs data.",
            "Seed it first: `arena seed --rows 10k`.",
        )
    target.skipped = process.mix.skipped
    target.operations = tuple(op.name for op in process.mix.operations)
    return target


def plan_for(target: Target, config: LoadConfig, run_key: str) -> dict[str, Any]:
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
        # the same for every engine of a run, different from the last run (unique text)
        "salt": hashlib.sha1(run_key.split(":")[0].encode()).hexdigest()[:6],
    }


# -- running ----------------------------------------------------------------------------


def web_port_for(index: int) -> int:
    port = 8089 + index
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def make_cluster(config: LoadConfig, index: int = 0) -> LocalCluster | MasterCluster:
    web_port = web_port_for(index) if config.web else None
    if web_port:
        # Locust's web UI re-parses sys.argv with its own parser on every page load
        # (argument_parser.ui_extra_args_dict); arena's options would fail there.
        sys.argv = sys.argv[:1]
    if config.workers or config.remote_workers:
        cluster: LocalCluster | MasterCluster = MasterCluster(config, web_port)
    else:
        cluster = LocalCluster(web_port)
    if web_port:
        from arena import console

        console.info(f"Locust web UI: http://127.0.0.1:{web_port}/")
    return cluster


def run_engine(
    cluster: LocalCluster | MasterCluster,
    target: Target,
    config: LoadConfig,
    folder: RunFolder,
    view: LiveView,
) -> EngineResult:
    """One engine under the shape; results written each second. Ctrl-C (KeyboardInterrupt)
    stops the users, flushes what was measured, and propagates."""
    name = target.engine.name
    shape = config.shape
    plan = plan_for(target, config, f"{folder.run_id}:{name}")
    folder.engine_update(
        name, status="running", version=target.version, runtime=target.endpoint.runtime,
        limits=target.endpoint.limits, driver=target.engine.driver,
        operations=list(target.operations), skipped_kinds=list(target.skipped),
    )  # fmt: skip
    process = LoadProcess(plan) if isinstance(cluster, LocalCluster) else None
    cluster.prepare(plan, process)  # type: ignore[arg-type]
    agg = Aggregate()
    seconds = Seconds(cluster.sources)
    series = folder.series(name)
    status, message = "ok", ""
    latest = Interval()
    no_success = 0

    def add_collected(intervals: list[tuple[int, str, Interval]]) -> None:
        for second, source, interval in intervals:
            agg.add(interval)
            seconds.add(second, source, interval)

    def write_rows(rows: list[tuple[int, Interval]]) -> Interval | None:
        for second, interval in rows:
            series.row(second - start_at, interval, 1.0)
        return rows[-1][1] if rows else None

    # Users are spawned START_LEAD_S ahead and wait for start_at: the run (and the open
    # model's schedule) starts at the same instant in every process, with connections ready.
    start_at = time.time() + START_LEAD_S
    start = time.perf_counter() + START_LEAD_S
    last_tick = last_json = start
    cluster.start(shape, start_at)
    try:
        while True:
            wake = min(last_tick + 1.0, start + shape.duration)
            gevent.sleep(max(0.0, wake - time.perf_counter()))
            now = time.perf_counter()
            if now - start >= shape.duration and not cluster.finished():
                cluster.stop()
            add_collected(cluster.collect())
            rows = seconds.ready(wall_second())
            latest = write_rows(rows) or latest
            if cluster.web is not None:
                for _, interval in rows:
                    feed_locust_stats(cluster.env.stats, interval)
            view.update(_snapshot(name, "running", now - start, shape, latest, agg, config))
            last_tick = max(last_tick + 1.0, now - 0.5)  # no drift, no catch-up burst
            for _, interval in rows:
                if interval.count == 0 and interval.error_count > 0:
                    no_success += 1
                else:
                    no_success = 0
            if no_success >= DEATH_AFTER_S and not _answers(target):
                status = "died"
                message = _death_message(target, latest)
                cluster.stop()
                break
            if cluster.finished():
                break
            if now - last_json >= METRICS_JSON_EVERY_S:
                folder.write_metrics(name, _metrics_doc(target, agg, now - start, "running"))
                last_json = now
    except (KeyboardInterrupt, gevent.GreenletExit):
        status, message = "interrupted", "stopped by Ctrl-C; what was measured is kept"
        with contextlib.suppress(Exception):
            cluster.stop()
        raise
    finally:
        end = cluster.stopped_at or time.perf_counter()
        add_collected(cluster.finalize())
        tail = [(s, i) for s, i in seconds.rest() if i.count or i.error_count]
        latest = write_rows(tail) or latest
        series.close()
        elapsed = max(end - start, 1e-3)
        doc = _metrics_doc(target, agg, elapsed, status)
        folder.write_metrics(name, doc)
        folder.engine_update(name, status=status, message=message, elapsed_s=round(elapsed, 3))
        view.update(_snapshot(name, _view_state(status), elapsed, shape, latest, agg, config))
        result = EngineResult(name, status, message, elapsed, doc["summary"])
        _RESULTS[name] = result
    return result


def wall_second() -> int:
    return int(round(time.time()))


_RESULTS: dict[str, EngineResult] = {}


def _view_state(status: str) -> str:
    return "done" if status == "ok" else status


def _answers(target: Target) -> bool:
    try:
        target.engine.probe(target.endpoint)
        return True
    except Exception:
        return False


def _death_message(target: Target, interval: Interval) -> str:
    kinds = ", ".join(sorted({k.split(": ", 1)[-1] for k in interval.errors}))
    return (
        f"{target.engine.name} stopped answering at {target.endpoint.address} ({kinds}); "
        "the run went on without it"
    )


def _metrics_doc(target: Target, agg: Aggregate, elapsed: float, status: str) -> dict[str, Any]:
    return {
        "engine": target.engine.name,
        "version": target.version,
        "status": status,
        "elapsed_s": round(elapsed, 3),
        "summary": agg.summary(elapsed),
        "histograms": agg.histograms(),
        "histogram_unit": "microseconds",
    }


def _snapshot(
    name: str,
    state: str,
    elapsed: float,
    shape: StagedShape,
    current: Interval,
    agg: Aggregate,
    config: LoadConfig,
) -> Snapshot:
    overall = summarize(agg.total.overall())
    return Snapshot(
        engine=name, state=state, elapsed=min(elapsed, shape.duration), total=shape.duration,
        users=current.users, tps=float(current.count), target_tps=config.tps,
        p50_us=overall.get("p50_us"), p95_us=overall.get("p95_us"),
        p99_us=overall.get("p99_us"), errors=agg.total.error_count,
    )  # fmt: skip


@dataclass
class RunReport:
    run_id: str
    path: str
    results: list[EngineResult]
    interrupted: bool = False


def run_load(
    names: list[str],
    config: LoadConfig,
    state: ProjectState | None = None,
    live: bool = False,
) -> RunReport:
    """Load every named engine with the same shape, mix and operation seed; sequentially
    unless config.parallel. Returns when all are done; KeyboardInterrupt is turned into an
    "interrupted" report after results are flushed."""
    state = state or ProjectState()
    for name in names:
        get_engine(name)
    targets = [prepare_target(name, config, state) for name in names]
    folder = RunFolder(state)
    folder.write_run(
        config=config.describe(),
        started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        engine_order=names,
    )
    for t in targets:
        folder.engine_update(
            t.engine.name, status="waiting", version=t.version, runtime=t.endpoint.runtime,
            limits=t.endpoint.limits, driver=t.engine.driver,
        )  # fmt: skip
    _RESULTS.clear()
    interrupted = False
    # Ctrl-C raised wherever the interpreter happens to be would kill a user greenlet (with
    # a traceback); deliver it to this greenlet, which stops the users and flushes results.
    sigint = gevent.signal_handler(
        signal.SIGINT, gevent.kill, gevent.getcurrent(), KeyboardInterrupt
    )
    with LiveView([t.engine.name for t in targets], live and not config.web) as view:
        try:
            if config.parallel:
                _run_parallel(targets, config, folder, view)
            else:
                _run_sequential(targets, config, folder, view)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            sigint.cancel()
    results = [
        _RESULTS.get(t.engine.name) or EngineResult(t.engine.name, "not run") for t in targets
    ]
    summary = {r.engine: {"status": r.status, "message": r.message, **r.summary} for r in results}
    folder.write_summary(summary)
    folder.write_run(
        status="interrupted" if interrupted else "done",
        ended_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    return RunReport(folder.run_id, str(folder.path), results, interrupted)


def _run_sequential(
    targets: list[Target], config: LoadConfig, folder: RunFolder, view: LiveView
) -> None:
    cluster = make_cluster(config)
    try:
        for target in targets:
            _run_guarded(cluster, target, config, folder, view)
    finally:
        cluster.close()


def _run_guarded(
    cluster: LocalCluster | MasterCluster,
    target: Target,
    config: LoadConfig,
    folder: RunFolder,
    view: LiveView,
) -> None:
    """One engine; its failure to even start is recorded, and the others go on."""
    try:
        run_engine(cluster, target, config, folder, view)
    except ArenaError as exc:
        name = target.engine.name
        _RESULTS[name] = EngineResult(name, "failed", exc.one_line())
        folder.engine_update(name, status="failed", message=exc.one_line())
        view.update(Snapshot(name, "failed"))


def _run_parallel(
    targets: list[Target], config: LoadConfig, folder: RunFolder, view: LiveView
) -> None:
    clusters = [make_cluster(config, i) for i in range(len(targets))]
    greenlets = [
        gevent.spawn(_run_guarded, c, t, config, folder, view)
        for c, t in zip(clusters, targets, strict=True)
    ]
    try:
        gevent.joinall(greenlets, raise_error=True)
    except KeyboardInterrupt:
        gevent.killall(greenlets, exception=KeyboardInterrupt, block=True, timeout=30)
        raise
    finally:
        for cluster in clusters:
            cluster.close()


# -- worker -----------------------------------------------------------------------------


def run_worker(master_host: str, master_port: int) -> None:
    """`arena worker`: join a master, load whatever engine it sends a plan for, report each
    second; exits when the master quits."""
    holder = Holder()
    env = Environment(user_classes=[make_user_class(holder)], stop_timeout=0)
    runner = env.create_worker_runner(master_host, master_port)
    current = {"run": ""}

    def on_plan(environment: Any, msg: Any) -> None:
        plan = msg.data
        error = None
        try:
            holder.process = LoadProcess(plan, getattr(runner, "worker_index", 0) or 0)
            current["run"] = plan["run"]
        except Exception as exc:  # reported to the master, which fails the engine
            holder.process = None
            error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        runner.send_message("arena_ready", {"run": plan["run"], "error": error})

    def send(final: bool) -> None:
        process = holder.process
        if process is None:
            return
        interval = process.recorder.drain(process.users)
        runner.send_message(
            "arena_metrics",
            {
                "run": current["run"], "second": wall_second(),
                "interval": interval.to_message(), "final": final,
            },
        )  # fmt: skip

    def reporter() -> None:
        # Drain on whole wall-clock seconds, so every worker's second N covers the same time.
        while True:
            now = time.time()
            gevent.sleep(int(now) + 1 - now)
            with contextlib.suppress(Exception):
                send(False)

    def on_test_stop(**_: Any) -> None:
        send(True)

    def on_start(environment: Any, msg: Any) -> None:
        if holder.process is not None and msg.data.get("run") == current["run"]:
            holder.process.begin_at(float(msg.data["start_at"]))

    def on_stop(environment: Any, msg: Any) -> None:
        if holder.process is not None and msg.data.get("run") == current["run"]:
            holder.process.stopped = True

    runner.register_message("arena_plan", on_plan)
    runner.register_message("arena_stop", on_stop)
    runner.register_message("arena_start", on_start)
    env.events.test_stop.add_listener(on_test_stop)
    gevent.spawn(reporter)
    runner.greenlet.join()
