"""load, worker. Locust is imported only when a load actually runs (it monkey-patches)."""

from __future__ import annotations

import click

from arena import console
from arena.cli.options import engine_list, json_option
from arena.errors import ArenaError
from arena.report import PERCENTILES, ms

ARRIVALS = ("poisson", "fixed")
# Exit code of a load that ran but did not pass: an engine failed (its error rate above
# --max-error-rate, or it could not start). 2 stays "bad input, nothing ran"; 130 Ctrl-C.
LOAD_FAILED_EXIT = 3


class LoadFailedError(ArenaError):
    """The load ran, and at least one engine failed."""

    exit_code = LOAD_FAILED_EXIT


@click.command()
@click.option(
    "--engines",
    "engine_names",
    multiple=True,
    metavar="ENGINE[,ENGINE]",
    help="Engines to load (default: every engine that is up).",
)
@click.option(
    "--shape",
    "shape_name",
    metavar="constant|ramp|spike|stages",
    help="How the user count moves over time (default: constant; stages with --stages).",
)
@click.option(
    "--stages",
    "stages_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="YAML list of {duration, users, rate}; implies --shape stages.",
)
@click.option("--users", default="10", show_default=True, help="Concurrent users (peak).")
@click.option("--spawn-rate", type=float, help="Users started per second (default: all at once).")
@click.option("--duration", default="60s", show_default=True, help="e.g. 30s, 5m.")
@click.option("--tps", help="Open model: target transactions per second (e.g. 5000, 10k).")
@click.option(
    "--arrival",
    default="poisson",
    show_default=True,
    metavar="poisson|fixed",
    help="Open-model arrival schedule.",
)
@click.option(
    "--think-time",
    default="0",
    show_default=True,
    help="Closed model: pause between a user's operations (e.g. 10ms).",
)
@click.option(
    "--pattern",
    default="oltp",
    show_default=True,
    metavar="NAME",
    help="Built-in mix: oltp, ecommerce, olap, reporting, timeseries, social, iot, "
    "read-heavy, write-heavy, balanced.",
)
@click.option(
    "--mix",
    "mix_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Custom mix YAML (weights, custom SQL); overrides --pattern.",
)
@click.option("--parallel", is_flag=True, help="Load all engines at once (default: one by one).")
@click.option(
    "--workers",
    default=0,
    show_default=True,
    type=int,
    help="Locust worker processes to start here (one per core for the peak).",
)
@click.option(
    "--remote-workers",
    default=0,
    type=int,
    help="Also wait for N `arena worker --master HOST` processes from elsewhere.",
)
@click.option(
    "--master-bind",
    default="127.0.0.1",
    show_default=True,
    help="Interface the master listens on for workers (remote workers need one they can reach).",
)
@click.option(
    "--master-port", default=0, type=click.IntRange(0, 65535),
    help="Master port (default: a free one).",
)  # fmt: skip
@click.option("--seed", default=42, show_default=True, type=int, help="Operation seed.")
@click.option(
    "--max-error-rate",
    default="1%",
    show_default=True,
    help="An engine whose failed operations exceed this share (e.g. 1%, 0.5%, 0) is failed: "
    f"the run ends with exit code {LOAD_FAILED_EXIT}.",
)
@click.option("--web", is_flag=True, help="Open Locust's web UI instead of the live view.")
@json_option
def load(engine_names, shape_name, stages_file, users, spawn_rate, duration, tps, arrival,
         think_time, pattern, mix_file, parallel, workers, remote_workers, master_bind,
         master_port, seed, max_error_rate, web, as_json) -> None:  # fmt: skip
    """Load engines with the same shape, operation mix and seed; print them side by side.

    Closed model by default (users run back to back); --tps switches to the open model
    (arrivals on a schedule, latency from the intended start). Results are written as the
    run goes to .arena/results/<run-id>/. Exit code 3: an engine failed (error rate above
    --max-error-rate, or it could not start).
    """
    config, names = _config(
        engine_names, shape_name, stages_file, users, spawn_rate, duration, tps, arrival,
        think_time, pattern, mix_file, parallel, workers, remote_workers, master_bind,
        master_port, seed, max_error_rate, web,
    )  # fmt: skip
    import sys

    from arena.history.recorder import recording
    from arena.load.runner import run_load
    from arena.targets import resolve

    targets = resolve(names)
    with recording("load", sys.argv, targets, config=config.describe()) as rec:
        with rec.sampling(targets):
            report = run_load(names, config, live=console.is_tty() and not as_json,
                              run_id=rec.run_id)  # fmt: skip
        _render(report, config, as_json, rec.client_bound)
        if not as_json:
            rec.warn_client_bound()
        _raise_for(report)


def _raise_for(report) -> None:
    if report.interrupted:
        raise KeyboardInterrupt
    failed = [r for r in report.results if r.status == "failed"]
    if failed:
        raise LoadFailedError(
            f"{failed[0].engine} failed: {failed[0].message}"
            + (f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""),
            f"See {report.path}.",
        )
    failed = [r for r in report.results if r.status != "ok"]
    if failed and len(failed) == len(report.results):
        raise ArenaError(
            f"No engine completed the load: {failed[0].engine} {failed[0].status}: "
            f"{failed[0].message}",
            f"See {report.path}.",
        )


def _config(engine_names, shape_name, stages_file, users, spawn_rate, duration, tps, arrival,
            think_time, pattern, mix_file, parallel, workers, remote_workers, master_bind,
            master_port, seed, max_error_rate, web):  # fmt: skip
    """Every option checked before anything starts."""
    from arena.instances import canonical
    from arena.load.patterns import load_mix
    from arena.load.patterns import pattern as builtin_pattern
    from arena.load.shapes import make_shape
    from arena.units import parse_count, parse_duration

    if arrival not in ARRIVALS:
        from arena.errors import UnknownNameError

        raise UnknownNameError("arrival", arrival, ARRIVALS)
    seconds = parse_duration(duration)
    user_count = parse_count(users, "user count")
    shape = make_shape(shape_name, user_count, seconds, spawn_rate, stages_file)
    rate = float(parse_count(tps, "--tps rate")) if tps else None
    think = 0.0 if str(think_time).strip() in ("0", "") else parse_duration(think_time)
    if rate and think:
        raise ArenaError("--think-time applies to the closed model only.", "Drop it with --tps.")
    if workers < 0 or remote_workers < 0:
        raise ArenaError("--workers and --remote-workers must be 0 or more.")
    mix = load_mix(mix_file) if mix_file else builtin_pattern(pattern)
    names = engine_list(list(engine_names))
    if engine_names and not names:
        raise ArenaError(
            f"--engines {','.join(engine_names)!r} names no engine.",
            "e.g. --engines postgres,mariadb, or leave it out to load every engine that is up.",
        )
    for name in names:
        canonical(name)  # malformed names and unknown engines fail before anything runs
    from arena.load.config import LoadConfig

    config = LoadConfig(
        shape=shape, mix=mix, seed=seed, tps=rate, arrival=arrival, think_time=think,
        workers=workers, remote_workers=remote_workers, parallel=parallel, web=web,
        master_bind=master_bind, master_port=master_port,
        max_error_rate=_share(max_error_rate),
    )  # fmt: skip
    return config, names


def _share(text: str) -> float:
    """ "1%" -> 0.01, "0.5%" -> 0.005, "0" -> 0.0; a bare number is a fraction ("0.02")."""
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ArenaError(
            f"Invalid --max-error-rate '{text}'.", "Valid: 1%, 0.5%, 0 (no error allowed), 100%."
        )
    return value


def _render(report, config, as_json: bool, client_bound: dict[str, bool]) -> None:
    if as_json:
        console.as_json(
            {
                "run_id": report.run_id,
                "path": report.path,
                "interrupted": report.interrupted,
                "status": report.status,
                "config": config.describe(),
                "client_bound": sorted(n for n, b in client_bound.items() if b),
                "engines": {
                    r.engine: {
                        "status": r.status,
                        "message": r.message,
                        **r.summary,
                        "client_bound": client_bound.get(r.engine, False),
                    }
                    for r in report.results
                },  # fmt: skip
            }
        )
        return
    rows = []
    for r in report.results:
        o = r.summary.get("overall", {})
        rows.append(
            (
                r.engine, r.status, f"{o.get('count', 0):,}",
                f"{r.summary.get('throughput_per_s', 0):,.0f}",
                *(ms(o.get(k)) for k in PERCENTILES),
                str(r.summary.get("error_count", 0)),
            )
        )  # fmt: skip
    console.table(
        rows, ("engine", "status", "ops", "ops/s", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms",
               "max ms", "errors"),
    )  # fmt: skip
    for r in report.results:
        if r.message:
            console.warn(f"{r.engine}: {r.message}")
        lag = r.summary.get("schedule_lag")
        if lag:
            console.info(
                f"{r.engine}: schedule lag p50 {ms(lag.get('p50_us'))} ms, "
                f"p99 {ms(lag.get('p99_us'))} ms (actual start - intended start)"
            )
    console.info(f"Results: {report.path}")


@click.command()
@click.option("--master", "master_host", required=True, help="Host of the `arena load` master.")
@click.option(
    "--master-port", default=5557, show_default=True, type=click.IntRange(1, 65535),
    help="Port of the `arena load` master.",
)  # fmt: skip
@click.option(
    "--token",
    envvar="ARENA_WORKER_TOKEN",
    help="The run's worker token (the master prints it for --remote-workers; or set "
    "ARENA_WORKER_TOKEN on both sides).",
)
@click.option(
    "--timeout",
    default="60s",
    show_default=True,
    help="Give up when no master accepts this worker within this time.",
)
def worker(master_host: str, master_port: int, token: str | None, timeout: str) -> None:
    """Join an `arena load` master as a load worker process (one per core)."""
    from arena.units import parse_duration

    seconds = parse_duration(timeout)
    if seconds <= 0:
        raise ArenaError(f"Invalid --timeout '{timeout}': must be positive.", "e.g. 30s, 2m.")
    if not token:
        raise ArenaError(
            "A load worker needs the run's token.",
            "Pass --token TOKEN or set ARENA_WORKER_TOKEN (the master prints it when started "
            "with --remote-workers).",
        )
    from arena.load.worker import run_worker

    run_worker(master_host, master_port, token, seconds)
