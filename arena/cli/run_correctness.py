"""`arena run isolation|constraints|deadlocks|migrations`: the correctness suites.

Each suite is its own command under the `arena run` group (arena/cli/run.py), with only the
options that mean something to it. Every option is checked against every chosen engine before
anything runs, so a bad level or table is a one-line error and nothing half-measured is lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import click

from arena import console
from arena.cli.options import engine_list, json_option
from arena.cli.run import SuiteCommand, engines_option
from arena.errors import ArenaError, UnknownNameError


@click.command(cls=SuiteCommand)
@engines_option
@click.option("--levels", multiple=True, metavar="LEVEL[,LEVEL]",
              help="Levels to test, e.g. read-committed,serializable (default: all).")  # fmt: skip
@click.option("--tests", multiple=True, metavar="NAME[,NAME]",
              help="Anomaly tests to run, e.g. G0,P4 (default: all).")  # fmt: skip
@click.option("--step-timeout", type=float, metavar="SECONDS",
              help="A step still running after this is recorded as waiting (0.5).")  # fmt: skip
@json_option
def isolation(engine_names, levels, tests, step_timeout, as_json: bool) -> None:
    """Hermitage's anomaly tests at every isolation level -> a matrix per engine."""
    options = {"levels": levels, "tests": tests, "step_timeout": step_timeout}
    _isolation(_targets(engine_names), options, as_json)


@click.command(cls=SuiteCommand)
@engines_option
@click.option("--tables", multiple=True, metavar="T[,T]",
              help="Only these tables (default: every table).")  # fmt: skip
@json_option
def constraints(engine_names, tables, as_json: bool) -> None:
    """One violation of every constraint in the schema: refused and classified?"""
    _constraints(_targets(engine_names), {"tables": tables}, as_json)


@click.command(cls=SuiteCommand)
@engines_option
@json_option
def deadlocks(engine_names, as_json: bool) -> None:
    """2- and 3-way deadlocks, a lock-wait timeout, rollback to a savepoint."""
    _deadlocks(_targets(engine_names), {}, as_json)


@click.command(cls=SuiteCommand)
@engines_option
@click.option("--rows", metavar="N", help="Rows in the migration table (1m).")
@click.option("--users", metavar="N", help="Concurrent load users (4).")
@click.option("--changes", multiple=True, metavar="NAME[,NAME]",
              help="Changes to apply (default: all).")  # fmt: skip
@click.option("--window", metavar="SECONDS", help="Load seconds around each change.")
@json_option
def migrations(engine_names, rows, users, changes, window, as_json: bool) -> None:
    """Online schema changes under `arena load`: DDL time, stall, errors."""
    options = {"rows": rows, "users": users, "changes": changes, "window": window}
    _migrations(_targets(engine_names), options, as_json)


def _targets(engine_names) -> list:
    from arena.targets import resolve

    return resolve(engine_list(list(engine_names)))


def _names(values: tuple[str, ...]) -> list[str]:
    """`a,b c` -> [a, b, c], case kept (table names may be mixed case)."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@contextlib.contextmanager
def _recording(suite: str, targets: list) -> Iterator[Any]:
    """The suite's run in the results store, its resources sampled (arena/history/recorder.py)."""
    import sys

    from arena.history.recorder import recording

    with (
        recording("run", sys.argv, targets, workload=f"run {suite}") as rec,
        rec.sampling(targets),
    ):
        yield rec


def _progress(as_json: bool, message: str) -> None:
    if not as_json:
        console.info(message)


# -- isolation -------------------------------------------------------------------------------
def _isolation(targets: list, options: dict[str, Any], as_json: bool) -> None:
    from arena.correctness import dialect, isolation

    levels = engine_list(list(options["levels"]))
    tests = _names(options["tests"])
    known = [t.name for t in isolation.TESTS]
    for name in tests:
        if name not in known:
            raise UnknownNameError("anomaly test", name, known)
    for target in targets:
        for level in levels:
            dialect.check_level(target.engine, level)
    step_timeout = 0.5 if options["step_timeout"] is None else options["step_timeout"]
    if step_timeout <= 0:
        raise ArenaError("--step-timeout must be above 0.", "e.g. --step-timeout 0.5")
    results = []
    with _recording("isolation", targets) as rec:
        for target in targets:
            _progress(as_json, f"{target.name}: running the anomaly tests ...")
            result = isolation.run_engine(
                target.engine, target.endpoint, levels, tests, step_timeout
            )
            result["version"] = target.version
            results.append(result)
        rec.attach("isolation", results)
    if as_json:
        console.as_json({"suite": "isolation", "engines": results})
        return
    for result in results:
        headers, rows = isolation.matrix_rows(result)
        console.info(f"\n{result['engine']} ({result['version']})")
        console.table(rows, headers)
    console.info(
        "\n✓ prevented (blocking, abort or a safe read)   — anomaly observed   "
        "R/O prevented only for read-only transactions. --json shows every step."
    )


# -- constraints -----------------------------------------------------------------------------
def _constraints(targets: list, options: dict[str, Any], as_json: bool) -> None:
    from arena.correctness import constraints

    tables = _names(options["tables"])
    for target in targets:
        known = target.schema().table_names
        if not known:
            raise ArenaError(
                f"{target.name} has no tables.",
                f"Create and seed some: `arena seed --engines {target.name} --schema ecommerce`.",
            )
        for name in tables:
            if name not in known:
                raise UnknownNameError(f"table on {target.name}", name, known)
    results = []
    with _recording("constraints", targets) as rec:
        for target in targets:
            _progress(as_json, f"{target.name}: provoking one violation per constraint ...")
            results.append(
                constraints.run_engine(target.engine, target.endpoint, target.schema(), tables)
            )
        rec.attach("constraints", [{"engine": r["engine"], "summary": r["summary"]}
                                   for r in results])  # fmt: skip
    if as_json:
        console.as_json({"suite": "constraints", "engines": results})
        return
    rows = []
    for r in results:
        s = r["summary"]
        rows.append([r["engine"], s["tried"], s["refused"], s["classified"], s["named"],
                     s["unchanged"], len(s["silently_accepted"]), s["skipped"]])  # fmt: skip
    console.table(
        [[str(v) for v in row] for row in rows],
        ["engine", "tried", "refused", "classified", "named", "unchanged", "silently accepted",
         "skipped"],
    )  # fmt: skip
    for r in results:
        for finding in r["summary"]["silently_accepted"]:
            console.info(f"finding: {r['engine']} silently accepted {finding}")
        for finding in r["summary"]["misclassified"]:
            console.info(f"finding: {r['engine']} refused but classified {finding}")
        for a in r["attempts"]:
            if a["unchanged"] is False:
                console.info(f"finding: {r['engine']} {a['table']} changed after {a['kind']}")


# -- deadlocks -------------------------------------------------------------------------------
def _deadlocks(targets: list, options: dict[str, Any], as_json: bool) -> None:
    from arena.correctness import deadlocks

    results = []
    with _recording("deadlocks", targets) as rec:
        for target in targets:
            _progress(as_json, f"{target.name}: deadlocks, lock wait, savepoint ...")
            results.append(deadlocks.run_engine(target.engine, target.endpoint))
        rec.attach("deadlocks", results)
    if as_json:
        console.as_json({"suite": "deadlocks", "engines": results})
        return
    rows = [row for r in results for row in deadlocks.summary_rows(r)]
    console.table(rows, deadlocks.SUMMARY_HEADERS)
    for r in results:
        console.info(f"{r['engine']}: detector {r['detector'] or '-'}")


# -- migrations ------------------------------------------------------------------------------
def _migrations(targets: list, options: dict[str, Any], as_json: bool) -> None:
    from arena.correctness import migrations

    plan = migrations.plan(targets, options)
    results = []
    with _recording("migrations", targets) as rec:
        for target in targets:
            for note in migrations.notes(target):
                console.warn(note)
            _progress(as_json, f"{target.name}: online schema changes under load ...")
            results.append(migrations.run_engine(target, plan))
        rec.attach("migrations", results)
    if as_json:
        console.as_json({"suite": "migrations", "engines": results})
        return
    console.table(migrations.stall_rows(results), migrations.STALL_HEADERS)
    for r in results:
        for key, sample in r.get("load_error_samples", {}).items():
            console.info(
                f"{r['engine']}: load saw {sample['count'] or 0:,} x {key}: {sample['message']}"
            )
        failed = r.get("failed_half_way")
        if failed:
            console.info(f"{r['engine']}: migration failing half-way: {failed['summary']}")
