"""baseline, compare, history, html: the results store (.arena/results.db) from the command
line. Parses and prints only; arena/history/ does the work."""

from __future__ import annotations

import json
from pathlib import Path

import click

from arena import console
from arena.cli.options import json_option
from arena.errors import ArenaError
from arena.history import views
from arena.history.compare import parse_threshold, regressions
from arena.history.store import ResultsStore, SyncResult, open_store
from arena.state import ProjectState


def _store(*named: str | None) -> tuple[ResultsStore, SyncResult]:
    """The store, synced; corrupt folders are named once each (a NAMED one is the error)."""
    store, synced = open_store(ProjectState().dir)
    for skipped in synced.skipped:
        if skipped.path.name not in named:
            console.warn(skipped.one_line())
    return store, synced


@click.group()
def baseline() -> None:
    """Name a run as the baseline later runs are compared with."""


@baseline.command("set")
@click.argument("run_id", required=False, metavar="[RUN]")
@click.option("--name", default=views.DEFAULT_BASELINE, show_default=True, help="Baseline name.")
def baseline_set(run_id, name) -> None:
    """Set baseline NAME to RUN (default: the latest run)."""
    store, synced = _store(run_id)
    with store:
        run_id = views.resolve_run(store, synced, run_id)
        store.set_baseline(name, run_id)
        row = store.run(run_id)
    console.info(f"baseline '{name}' = {run_id} ({row['workload']}; engines {row['engines']})")


@baseline.command("list")
@json_option
def baseline_list(as_json) -> None:
    """List the baselines."""
    store, _ = _store()
    with store:
        found = store.baselines()
    if as_json:
        console.as_json(found)
    elif found:
        console.table(sorted(found.items()), ["name", "run"])
    else:
        console.info("No baselines yet. Set one with `arena baseline set`.")


def _pct(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f}%" if signed else f"±{value:.1f}%"


@click.command()
@click.argument("base", required=False, metavar="[BASE]")
@click.argument("run_id", required=False, metavar="[RUN]")
@click.option("--threshold", default="5%", show_default=True,
              help="Smallest change that counts (it must also exceed the noise).")  # fmt: skip
@click.option("--overall", "overall_only", is_flag=True,
              help="Only the overall metrics (not per operation or bench case).")  # fmt: skip
@json_option
@click.pass_context
def compare(ctx, base, run_id, threshold, overall_only, as_json) -> None:
    """Compare RUN (default: the latest) with BASE (a baseline name or run id; default the
    'main' baseline). Exit code 1 when a metric regressed beyond the threshold and the noise."""
    threshold_pct = parse_threshold(threshold)
    store, synced = _store(base, run_id)
    with store:
        label, base_id = views.resolve_base(store, synced, base)
        kind = store.run(base_id)["kind"]
        run_id = views.resolve_run(store, synced, run_id, kind)
        changes = views.compare(store, base_id, run_id, threshold_pct)
        if overall_only:
            changes = [c for c in changes if c.scope == "overall"]
        notes = views.config_differences(store, base_id, run_id)
        bound = {k: json.loads(store.run(r)["client_bound"] or "[]")
                 for k, r in (("base", base_id), ("run", run_id))}  # fmt: skip
    found = regressions(changes)
    if as_json:
        console.as_json({
            "base": base_id, "run": run_id, "threshold_pct": threshold_pct,
            "config_differences": notes, "regressions": len(found), "client_bound": bound,
            "changes": [c.as_dict() for c in changes],
        })  # fmt: skip
    else:
        console.info(f"{run_id} against {label}, threshold {threshold_pct:g}%")
        if notes:
            console.info(f"settings that differ: {', '.join(notes)}")
        for which, names in bound.items():
            if names:
                console.warn(f"the {which} was client-bound on {', '.join(names)}: those numbers "
                             "measure arena's load generator, not the engine")  # fmt: skip
        rows = [
            (c.engine, c.scope, c.metric, f"{c.base:,.1f}", f"{c.new:,.1f}", _pct(c.change_pct),
             _pct(c.noise_pct, signed=False),
             "-" if c.confidence is None else f"{c.confidence:.0%}", c.verdict)
            for c in views.shown(changes)
        ]  # fmt: skip
        console.table(rows, ["engine", "scope", "metric", "base", "new", "change", "noise",
                             "confidence", "verdict"])  # fmt: skip
        console.info(f"{len(changes)} metrics compared; shown: overall, and any change "
                     "beyond the threshold and the noise.")  # fmt: skip
        if found:
            console.info(f"{len(found)} regression(s) beyond {threshold_pct:g}% and the noise.")
        else:
            console.info(f"No regression beyond {threshold_pct:g}% and the noise.")
    if found:
        ctx.exit(1)


def show_trend(metric: str, engine: str | None, scope: str, html_out: Path | None,
               as_json: bool) -> None:  # fmt: skip
    """One metric across runs: a sparkline per instance and the change points."""
    store, _ = _store()
    with store:
        found = views.trends(store, metric, engine, scope)
    if html_out:
        from arena.history import html as html_report

        html_out.write_text(html_report.render_trend(metric, scope, found))
        console.info(f"wrote {html_out}")
    if as_json:
        console.as_json([{"engine": t.engine, "runs": t.runs, "values": t.values,
                          "change_points": [{"run": t.runs[c.index], "change_pct": c.change_pct,
                                             "p_value": c.p_value} for c in t.changes]}
                         for t in found])  # fmt: skip
        return
    if not found:
        console.info(f"No values of {metric} ({scope}) recorded yet.")
    for t in found:
        console.info(f"{t.engine:<10} {metric} {views.sparkline(t.values)}  "
                     f"first {t.values[0]:,.1f} last {t.values[-1]:,.1f} "
                     f"({len(t.values)} runs)")  # fmt: skip
        for c in t.changes:
            console.info(f"           shift at {t.runs[c.index]}: {c.change_pct:+.1f}% "
                         f"(p={c.p_value:.3f})")  # fmt: skip


def list_history(as_json: bool) -> None:
    """The runs in the store, oldest first, with their baselines and client-bound marks."""
    state_dir = ProjectState().dir
    runs = state_dir / "results"
    if not (state_dir / "results.db").exists() and not (runs.is_dir() and any(runs.iterdir())):
        if as_json:
            console.as_json([])
        else:
            console.info("No runs recorded yet. Run `arena load`, `arena bench` or `arena seed`.")
        return
    store, _ = _store()
    with store:
        rows = [store.run(r) for r in store.run_ids()]
        marks: dict[str, list[str]] = {}
        for name, run in store.baselines().items():
            marks.setdefault(run, []).append(name)
    if as_json:
        console.as_json([{**dict(r), "baselines": marks.get(r["run_id"], []),
                          "client_bound": json.loads(r["client_bound"] or "[]")}
                         for r in rows])  # fmt: skip
    elif rows:
        console.table([(r["run_id"], r["kind"], r["status"], r["workload"], r["engines"],
                        ", ".join(json.loads(r["client_bound"] or "[]")) or "-",
                        ", ".join(marks.get(r["run_id"], []))) for r in rows],
                      ["run", "kind", "status", "workload", "engines", "client-bound",
                       "baseline"])  # fmt: skip
    else:
        console.info("No runs recorded yet. Run `arena load` or `arena bench`.")


@click.command()
@click.option("--trend", "metric", help="A metric across runs, e.g. ops_per_s or p99_us.")
@click.option("--engine", help="Only this engine.")
@click.option("--scope", default="overall", show_default=True,
              help="overall, op:<operation>, or a bench case category/case@scale.")  # fmt: skip
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --trend: also write the trend as an HTML chart to this file.")  # fmt: skip
@json_option
def history(metric, engine, scope, html_out, as_json) -> None:
    """Alias of `arena report --list` / `arena report --trend METRIC`."""
    if html_out and not metric:
        raise ArenaError(
            "--html needs --trend METRIC.", "e.g. arena history --trend ops_per_s --html t.html"
        )
    if metric:
        show_trend(metric, engine, scope, html_out, as_json)
    else:
        list_history(as_json)


@click.command()
@click.argument("run_id", required=False, metavar="[RUN]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the HTML (default: <run-id>.html).")  # fmt: skip
def html(run_id, output) -> None:
    """Alias of `arena report [RUN] --html`: a self-contained HTML report of a run."""
    from arena.history import html as html_report
    from arena.history.folder import read_folder

    store, synced = _store(run_id)
    with store:
        run_id = views.resolve_run(store, synced, run_id, kind=None if run_id else "load")
        folder = Path(store.run(run_id)["folder"])
    out = html_report.write(read_folder(folder), output or views.default_html_path(run_id))
    console.info(f"wrote {out}")
