"""report: the one command for results. One run as text, CSV, JSON or a self-contained HTML
file; the project's history (--list); one metric across runs (--trend). A run is read from
its folder (.arena/results/<run-id>/), so reporting on a run changes nothing; --list and
--trend read the results store (.arena/results.db), brought up to date with the folders."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from arena import console
from arena import report as reports
from arena.cli.options import json_option
from arena.errors import ArenaError
from arena.state import ProjectState


def _exclusive(**given: object) -> None:
    """At most one of the named modes."""
    chosen = [f"--{k.replace('_', '-')}" for k, v in given.items() if v]
    if len(chosen) > 1:
        raise ArenaError(
            f"{' and '.join(chosen)} exclude each other.",
            "Give one of them; see `arena report -h`.",
        )


@click.command()
@click.argument("run_id", required=False, metavar="[RUN]")
@click.option("--list", "list_runs", is_flag=True,
              help="The runs recorded in this project, with status, client-bound and baselines.")  # fmt: skip
@click.option("--trend", "metric", metavar="METRIC",
              help="One metric across runs (text sparkline, change points), e.g. ops_per_s, p99_us.")  # fmt: skip
@click.option("--engine", help="With --trend: only this instance.")
@click.option("--scope", default="overall", show_default=True,
              help="With --trend: overall, op:<operation>, or a bench case category/case@scale.")  # fmt: skip
@click.option("--html", "as_html", is_flag=True,
              help="Write a self-contained HTML report of RUN (with --trend: the trend chart).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --html writes (default: <run-id>.html, or trend-<metric>.html).")  # fmt: skip
@click.option("--operations", is_flag=True, help="One row per operation, engines side by side.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@json_option
def report(run_id, list_runs, metric, engine, scope, as_html, output, operations, as_csv,
           as_json) -> None:  # fmt: skip
    """Show a run (default: the latest) with the engines side by side; --html writes it as a
    page with charts; --list the history; --trend METRIC one metric across runs."""
    _exclusive(list=list_runs, trend=metric, operations=operations)
    _exclusive(html=as_html, csv=as_csv, json=as_json)
    if (list_runs or metric) and run_id:
        raise ArenaError(
            f"RUN ({run_id}) does not go with --list or --trend.", "Drop RUN, or the option."
        )
    if (engine or scope != "overall") and not metric:
        raise ArenaError("--engine and --scope go with --trend METRIC.",
                         "e.g. arena report --trend p99_us --engine postgres")  # fmt: skip
    if output and not as_html:
        raise ArenaError("-o/--output goes with --html.", "e.g. arena report --html -o run.html")
    if list_runs:
        from arena.cli.history import list_history

        list_history(as_json)
    elif metric:
        from arena.cli.history import show_trend

        out = (output or Path(f"trend-{metric}.html")) if as_html else None
        show_trend(metric, engine, scope, out, as_json)
    elif as_html:
        _html(run_id, output)
    else:
        _show(run_id, operations, as_csv, as_json)


def _html(run_id: str | None, output: Path | None) -> None:
    from arena.history import html as html_report
    from arena.history.folder import read_folder

    path = reports.find_run(ProjectState(), run_id)
    out = html_report.write(read_folder(path), output or Path(f"{path.name}.html"))
    console.info(f"wrote {out}")


def _show(run_id: str | None, operations: bool, as_csv: bool, as_json: bool) -> None:
    path = reports.find_run(ProjectState(), run_id)
    # A scenario run keeps load's summary.json, so it reads like a load run.
    if reports.kind_of(path) != "load" and not (path / "summary.json").is_file():
        if operations:
            raise ArenaError(f"--operations shows load runs; {path.name} is not one.",
                             "Drop --operations.")  # fmt: skip
        _show_recorded(path, as_csv, as_json)
        return
    data = reports.read_run(path)
    recording = reports.recording_of(path)
    bound = list(recording.get("client_bound") or [])
    if as_json:
        console.as_json({"run_id": path.name, "path": str(path), "client_bound": bound,
                         "resources": _resources(recording), **data})  # fmt: skip
        return
    headers, rows = reports.rows_for(path, data, operations=operations, raw=as_csv)
    if as_csv:
        if not operations:
            headers = [*headers, "client_bound"]
            rows = [(*r, r[0] in bound) for r in rows]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)
        console.info(out.getvalue().rstrip("\n"))
        return
    config = data["run"].get("config", {})
    console.info(
        f"run {path.name}: {config.get('model', '?')} model, shape {config.get('shape', '?')}, "
        f"mix {config.get('mix', {}).get('name', '?')}, {config.get('duration_s', '?')} s, "
        f"status {data['run'].get('status', '?')}"
    )
    console.table(rows, headers)
    _print_resources(recording)


def _resources(recording: dict) -> dict:
    return {n: (i or {}).get("resources") for n, i in (recording.get("instances") or {}).items()}


def _print_resources(recording: dict) -> None:
    from arena.history.recorder import client_bound_message

    for name, res in _resources(recording).items():
        if not res:
            continue
        parts = []
        if res.get("server_cpu_pct_avg") is not None:
            parts.append(f"server CPU {res['server_cpu_pct_avg']:.0f}% avg")
        if res.get("server_rss_bytes_max") is not None:
            parts.append(f"RSS {res['server_rss_bytes_max'] / 2**20:,.0f} MB max")
        if res.get("connections_max") is not None:
            parts.append(f"{res['connections_max']:.0f} connections max")
        if res.get("client_busy_pct_avg") is not None:
            parts.append(f"load generator {res['client_busy_pct_avg']:.0f}% busy")
        if parts:
            console.info(f"{name}: {', '.join(parts)}")
        if res.get("client_bound"):
            console.warn(client_bound_message(name, res))


def _show_recorded(path: Path, as_csv: bool, as_json: bool) -> None:
    """A seed, bench or `arena run` suite: its recorded numbers, instances side by side."""
    from arena.history.folder import read_folder

    data = read_folder(path)
    if as_json:
        console.as_json({
            "run_id": data.run_id, "kind": data.kind, "status": data.status,
            "path": str(path), "client_bound": data.client_bound,
            "resources": _resources(data.recording),
            "attachments": data.recording.get("attachments") or {},
            "metrics": [{"instance": m.engine, "scope": m.scope, "name": m.name,
                         "value": m.value, "better": m.better} for m in data.metrics],
        })  # fmt: skip
        return
    engines = data.engine_order
    table: dict[tuple[str, str], dict[str, float]] = {}
    for m in data.metrics:
        table.setdefault((m.scope, m.name), {})[m.engine] = m.value
    headers = ["scope", "metric", *engines]
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows([s, n, *(v.get(e, "") for e in engines)] for (s, n), v in table.items())
        console.info(out.getvalue().rstrip("\n"))
        return
    console.info(f"run {data.run_id}: {data.kind}, {data.workload()}, status {data.status}")
    if table:
        console.table([[s, n, *(f"{v[e]:,.6g}" if e in v else "-" for e in engines)]
                       for (s, n), v in table.items()], headers)  # fmt: skip
    for key in data.recording.get("attachments") or {}:
        console.info(f"{key}: recorded; `arena report {data.run_id} --html` shows it")
    _print_resources(data.recording)
