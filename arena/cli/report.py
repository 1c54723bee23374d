"""report: a load run's results, engines side by side."""

from __future__ import annotations

import csv
import io

import click

from arena import console
from arena import report as reports
from arena.cli.options import json_option
from arena.state import ProjectState


@click.command()
@click.argument("run_id", required=False, metavar="[RUN]")
@click.option("--list", "list_runs", is_flag=True, help="List the runs in this project.")
@click.option("--operations", is_flag=True, help="One row per operation, engines side by side.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@json_option
def report(run_id, list_runs, operations, as_csv, as_json) -> None:
    """Show a load run (default: the latest) with the engines side by side."""
    state = ProjectState()
    if list_runs:
        good, bad = reports.readable_runs(state)
        found = [p.name for p in good]
        for path, exc in bad:
            console.warn(f"skipped {path.name}: {exc.message}")
        if as_json:
            console.as_json(found)
        elif found:
            console.info("\n".join(found))
        elif not bad:
            console.info("No load results yet. Run `arena load`.")
        return
    path = reports.find_run(state, run_id)
    data = reports.read_run(path)
    if as_json:
        console.as_json({"run_id": path.name, "path": str(path), **data})
        return
    headers, rows = reports.rows_for(path, data, operations=operations, raw=as_csv)
    if as_csv:
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
