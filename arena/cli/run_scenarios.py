"""`arena run ecommerce|cms|social|project|finance|FILE`: the scenario suites.

One command serves every suite: the name it was invoked by (click's ctx.info_name) is the
suite, shipped (arena/scenarios/suites/) or a path. Every option is checked, the suite
parsed and compiled against each engine, its data and invariants checked, before anything
runs (one-line errors, exit 2). Exit 3: a run that went but failed (an invariant violated,
an engine that could not run).
"""

from __future__ import annotations

import click

from arena import console
from arena.cli.options import engine_list, json_option
from arena.cli.run import SuiteCommand, engines_option
from arena.errors import ArenaError
from arena.report import ms

SCENARIO_FAILED_EXIT = 3
DEFAULT_CALLS = 200


class ScenarioFailedError(ArenaError):
    exit_code = SCENARIO_FAILED_EXIT


@click.command(cls=SuiteCommand)
@engines_option
@click.option("--shape", "shape_name", metavar="constant|ramp|spike|stages",
              help="How the user count moves (default: constant).")  # fmt: skip
@click.option("--stages", "stages_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="YAML list of {duration, users}; implies --shape stages.")  # fmt: skip
@click.option("--users", default=None, help="Concurrent users (peak; default 4).")
@click.option("--spawn-rate", type=float, help="Users started per second (default: all at once).")
@click.option("--duration", default="30s", show_default=True, help="e.g. 30s, 5m.")
@click.option("--tps", help="Open model: target workflow calls per second.")
@click.option("--isolation", metavar="LEVEL",
              help="read-committed|repeatable-read|serializable|snapshot (default: read "
                   "committed where the engine has it).")  # fmt: skip
@click.option("--retries", default=3, show_default=True, type=click.IntRange(0, 100),
              help="Retries of a call aborted by a deadlock or serialization failure.")  # fmt: skip
@click.option("--workflows", "workflow_names", multiple=True, metavar="NAME[,NAME]",
              help="Only these workflows (unsafe ones run only when named here).")  # fmt: skip
@click.option("--seed", default=42, show_default=True, type=int, help="Parameter seed.")
@click.option("--deterministic", is_flag=True,
              help="One user, the same calls on every engine, then every table compared.")  # fmt: skip
@click.option("--calls", default=DEFAULT_CALLS, show_default=True, type=click.IntRange(1),
              help="Workflow calls of a --deterministic run.")  # fmt: skip
@json_option
def scenario(engine_names, shape_name, stages_file, users, spawn_rate, duration, tps, isolation,
             retries, workflow_names, seed, deterministic, calls, as_json) -> None:  # fmt: skip
    """Transactional workflows of a suite under load, with invariants checked, per engine."""
    from arena.load.shapes import make_shape
    from arena.scenarios.suite import load_suite
    from arena.units import parse_count, parse_duration

    suite = load_suite(click.get_current_context().info_name)
    workflows = [w.strip() for item in workflow_names for w in item.split(",") if w.strip()]
    suite.select(workflows)
    user_count = parse_count(users, "user count") if users is not None else None
    if deterministic and user_count not in (None, 1):
        raise ArenaError(
            "--deterministic runs one user (the same calls in the same order everywhere).",
            "Use --users 1, or drop --deterministic.",
        )
    rate = float(parse_count(tps, "--tps rate")) if tps else None
    shape = make_shape(shape_name, user_count or 4, parse_duration(duration), spawn_rate,
                       stages_file)  # fmt: skip
    if not deterministic:
        from arena.load import glue  # noqa: F401  (Locust monkey-patches before any driver)
    from arena.scenarios.prepare import prepare
    from arena.state import ProjectState

    state = ProjectState()
    names = engine_list(list(engine_names))
    targets = prepare(suite, names, workflows, isolation, state)
    if deterministic:
        _deterministic(suite, targets, calls, seed, retries, as_json)
        return
    import sys

    from arena.history.recorder import recording
    from arena.scenarios.runner import ScenarioOptions, run_suite

    options = ScenarioOptions(shape, tuple(workflows), isolation, retries, seed, rate)
    plain = [st.target for st in targets]
    with recording("run", sys.argv, plain, workload=f"run {suite.name}",
                   config=options.describe(suite)) as rec:  # fmt: skip
        with rec.sampling(plain):
            report = run_suite(suite, targets, options, state,
                               live=console.is_tty() and not as_json, run_id=rec.run_id)  # fmt: skip
        _record(rec, report)
        _render(report, as_json)
        if not as_json:
            rec.warn_client_bound()
        if report.interrupted:
            raise KeyboardInterrupt
        bad = [e for e in report.engines if e.status not in ("ok", "n/a")]
        if bad:  # raised inside the recording: the stored run is marked failed too
            raise ScenarioFailedError(
                f"{bad[0].name} {bad[0].status}: {bad[0].message}"
                + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""),
                f"See {report.path}.",
            )


def _render(report, as_json: bool) -> None:
    from arena.scenarios.report import aborts_text

    if as_json:
        console.as_json(
            {
                "run_id": report.run_id, "path": report.path, "suite": report.suite,
                "status": report.status, "interrupted": report.interrupted,
                "engines": {e.name: e.to_dict() for e in report.engines},
            }
        )  # fmt: skip
        return
    rows = []
    for e in report.engines:
        for name, w in e.workflows.items():
            rows.append(
                (
                    e.name, name, f"{w['tx_per_s']:,.1f}", ms(w["p50_us"]), ms(w["p95_us"]),
                    ms(w["p99_us"]), ms(w["p99_9_us"]), f"{w['commits']:,}",
                    aborts_text(w["aborts"]), str(w["retries"]), str(w["rejected"]),
                )
            )  # fmt: skip
        for name, why in e.not_applicable.items():
            rows.append((e.name, name, "n/a", "", "", "", "", "", why, "", ""))
    console.table(
        rows, ("engine", "workflow", "tx/s", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms",
               "commits", "aborts", "retries", "rejected"),
    )  # fmt: skip
    for e in report.engines:
        o = e.summary.get("overall", {})
        bad = [n for n, r in e.invariants.items() if not r["ok"]]
        checked = sum(sum(r["checks"].values()) for r in e.invariants.values())
        verdict = "all hold" if not bad else f"VIOLATED: {', '.join(bad)}"
        console.info(
            f"{e.name} [{e.level}] {e.status}: {e.summary.get('throughput_per_s', 0):,.1f} tx/s, "
            f"p99 {ms(o.get('p99_us'))} ms, {e.totals.get('commits', 0):,} commits, aborts "
            f"{aborts_text(e.totals.get('aborts', {}))}, {e.totals.get('retries', 0)} retries; "
            f"invariants ({len(e.invariants)}, {checked} checks): {verdict}"
        )
        if e.message:
            console.warn(f"{e.name}: {e.message}")
    console.info(f"Results: {report.path}")


def _deterministic(suite, targets, calls, seed, retries, as_json: bool) -> None:
    from arena.domains import definition
    from arena.scenarios.differential import run_deterministic

    reference = definition(suite.domain).schema if suite.domain else targets[0].schema
    report = run_deterministic(suite, targets, calls, seed, retries, reference)
    if as_json:
        console.as_json({"suite": suite.name, **report.to_dict()})
    else:
        for e in report.engines:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(_counts(e.outcomes).items()))
            console.info(f"{e.name}: {len(e.outcomes)} calls in {e.seconds:.2f} s ({counts})")
        if report.first_outcome_difference:
            console.warn(f"first call that ended differently: {report.first_outcome_difference}")
        for d in report.differences[:10]:
            console.warn(
                f"{d.table}: {d.engine} differs from {d.reference} at row {d.position + 1}: "
                f"{d.engine} {d.row} vs {d.reference} {d.reference_row}"
            )
        if report.equal:
            console.info(
                f"equal: every table of {suite.name} has the same checksum on "
                f"{', '.join(e.name for e in report.engines)} after {calls} calls"
            )
    if not report.equal:
        first = report.differences[0].table if report.differences else "call outcomes"
        raise ScenarioFailedError(
            f"The engines differ after the same {calls} calls ({first}).",
            "See the rows above; each engine ran the identical sequence.",
        )


def _counts(outcomes: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for o in outcomes:
        kind = o.split(": ", 1)[-1]
        out[kind] = out.get(kind, 0) + 1
    return out


def _record(rec, report) -> None:
    """Per engine: tx/s and latency percentiles of the whole transaction, its status, and the
    invariants (the HTML report draws them) into the results store."""
    invariants = []
    for e in report.engines:
        rec.result(e.name, status=e.status)
        overall = e.summary.get("overall") or {}
        if e.summary.get("throughput_per_s") is not None:
            rec.metric(e.name, "tx_per_s", float(e.summary["throughput_per_s"]))
        for key in ("p50_us", "p95_us", "p99_us", "p99_9_us"):
            if overall.get(key) is not None:
                rec.metric(e.name, key, float(overall[key]), better="lower")
        for name, r in e.invariants.items():
            after = (r.get("violations") or {}).get("after", 0)
            detail = r.get("not_applicable") or r.get("error") or f"{after} violating rows after"
            invariants.append({"instance": e.name, "name": name, "ok": bool(r.get("ok")),
                               "detail": detail})  # fmt: skip
    rec.attach("invariants", invariants)
