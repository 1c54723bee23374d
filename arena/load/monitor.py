"""One engine under the shape, watched once a second: merge what every process measured,
write the per-second CSV and the metrics JSON, refresh the live view, notice a dead server,
and judge the run's error rate at the end."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

import gevent

from arena.load.glue import wall_second
from arena.load.live import LiveView, Snapshot
from arena.load.metrics import Aggregate, Interval, Seconds, summarize
from arena.load.prepare import plan_for
from arena.load.results import EngineOutcome, RunFolder
from arena.load.web import feed_locust_stats

if TYPE_CHECKING:
    from arena.load.cluster import Cluster, Collected
    from arena.load.config import LoadConfig
    from arena.load.prepare import LoadTarget
    from arena.load.shapes import StagedShape

DEATH_AFTER_S = 3  # seconds with errors and not one success before the server is probed
METRICS_JSON_EVERY_S = 5
START_LEAD_S = 0.5


def run_engine(
    cluster: Cluster, target: LoadTarget, config: LoadConfig, folder: RunFolder, view: LiveView
) -> EngineOutcome:
    """One engine under the shape; results written each second. Ctrl-C (KeyboardInterrupt)
    stops the users, flushes what was measured, and propagates. Raises before the start when
    a process cannot prepare (the caller records that)."""
    name = target.name
    shape = config.shape
    folder.engine_update(
        name, status="running", version=target.version, runtime=target.endpoint.runtime,
        limits=target.endpoint.limits, driver=target.driver,
        driver_version=target.driver_version,
        operations=list(target.operations), skipped_kinds=list(target.skipped),
    )  # fmt: skip
    cluster.prepare(plan_for(target, config, f"{folder.run_id}:{name}"))
    agg = Aggregate()
    seconds = Seconds(cluster.sources)
    series = folder.series(name)
    status, message = "ok", ""
    latest = Interval()
    no_success = 0
    alive_until = 0.0  # seconds into the run of the last second with a success

    def add_collected(intervals: Collected) -> None:
        for second, source, interval in intervals:
            agg.add(interval)
            seconds.add(second, source, interval)

    def write_rows(rows: list[tuple[int, Interval]]) -> Interval | None:
        nonlocal alive_until
        for second, interval in rows:
            series.row(second - start_at, interval, 1.0)
            if interval.count:
                alive_until = max(alive_until, second - start_at)
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
                feed_locust_stats(cluster.env.stats, rows)
            view.update(_snapshot(name, "running", now - start, shape, latest, agg, config))
            last_tick = max(last_tick + 1.0, now - 0.5)  # no drift, no catch-up burst
            for _, interval in rows:
                no_success = no_success + 1 if not interval.count and interval.error_count else 0
            if no_success >= DEATH_AFTER_S and not answers(target):
                status, message = "died", _death_message(target, latest)
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
        if status == "ok":
            status, message = judge_error_rate(agg.total, config.max_error_rate)
        # A dead engine's rates count the time it answered, not the time it lay dead.
        measured = max(min(alive_until, elapsed), 1e-3) if status == "died" else elapsed
        if cluster.web is not None:
            feed_locust_stats(cluster.env.stats, tail, measured)
        doc = _metrics_doc(target, agg, measured, status, elapsed)
        folder.write_metrics(name, doc)
        folder.engine_update(
            name,
            status=status,
            message=message,
            elapsed_s=round(elapsed, 3),
            started_wall=round(start_at, 3),
        )  # the resources' window
        view.update(_snapshot(name, _view_state(status), elapsed, shape, latest, agg, config))
        outcome = EngineOutcome(name, status, message, elapsed, doc["summary"])
        OUTCOMES[name] = outcome
    return outcome


# Every engine's outcome as soon as it is known: an interrupted run still reports it.
OUTCOMES: dict[str, EngineOutcome] = {}


def judge_error_rate(total: Interval, limit: float) -> tuple[str, str]:
    """("ok", "") or ("failed", why): more than `limit` of the attempts failed."""
    errors = total.error_count
    attempts = total.count + errors
    if not errors or errors <= limit * attempts:
        return "ok", ""
    top = max(total.errors.items(), key=lambda kv: kv[1])[0]
    sample = total.samples.get(top, "")
    return "failed", (
        f"error rate {100 * errors / attempts:.1f}% ({errors:,} of {attempts:,}) is above "
        f"--max-error-rate {100 * limit:g}%; most: {top}" + (f": {sample}" if sample else "")
    )


def _view_state(status: str) -> str:
    return "done" if status == "ok" else status


def answers(target: LoadTarget) -> bool:
    try:
        target.engine.probe(target.endpoint)
        return True
    except Exception:  # every driver has its own error classes; all mean "no answer"
        return False


def _death_message(target: LoadTarget, interval: Interval) -> str:
    kinds = ", ".join(sorted({k.split(": ", 1)[-1] for k in interval.errors}))
    return (
        f"{target.name} stopped answering at {target.endpoint.address} ({kinds}); "
        "the run went on without it"
    )


def _metrics_doc(
    target: LoadTarget, agg: Aggregate, measured: float, status: str, elapsed: float | None = None
) -> dict[str, Any]:
    return {
        "engine": target.name,
        "version": target.version,
        "status": status,
        "elapsed_s": round(elapsed if elapsed is not None else measured, 3),
        "measured_s": round(measured, 3),
        "summary": agg.summary(measured),
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
