"""The results store end to end: real `arena load` runs on SQLite imported into
.arena/results.db, a baseline, `arena compare` passing on the same run and failing (exit 1) on
a deliberately slowed one, and every bad input as one line with exit 2."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena.state import ProjectState
from tests.conftest import fresh_database, make_project_dir, run_arena
from tests.integration.test_load import create_tables, write_mix

pytestmark = pytest.mark.integration


def arena(root: Path, *args: str) -> tuple[int, str, str]:
    result = run_arena(root, *args, timeout=180)
    return result.returncode, result.stdout, result.stderr


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "Internal error" not in stderr
    return lines[0]


def load(root: Path, engine: str, *extra: str) -> str:
    code, out, err = arena(root, "load", "--engines", engine, "--mix", str(root / "mix.yaml"),
                           "--users", "2", "--duration", "4s", "--seed", "7", "--json", *extra)  # fmt: skip
    assert code == 0, err + out
    runs = sorted(p.name for p in (root / ".arena" / "results").iterdir())
    return runs[-1]


@pytest.fixture(scope="module")
def history_project(servers) -> Iterator[tuple[Path, dict[str, str]]]:
    """A project with three real load runs: sqlite, sqlite slowed by think time, postgres."""
    root = make_project_dir("arena-history-")
    with (fresh_database("sqlite", servers) as (sq, sq_end),
          fresh_database("postgres", servers) as (pg, pg_end)):  # fmt: skip
        for engine, endpoint in ((sq, sq_end), (pg, pg_end)):
            create_tables(engine, endpoint)
            ProjectState(root).save_endpoint(endpoint)
        write_mix(root)
        runs = {"fast": load(root, "sqlite")}
        runs["slow"] = load(root, "sqlite", "--think-time", "20ms")
        runs["postgres"] = load(root, "postgres")
        yield root, runs
    shutil.rmtree(root, ignore_errors=True)


def test_runs_import_baseline_and_compare(history_project):
    root, runs = history_project
    code, out, err = arena(root, "history")
    assert code == 0, err
    for run_id in runs.values():
        assert run_id in out
    db = sqlite3.connect(root / ".arena" / "results.db")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        envs = db.execute("SELECT engine, runtime, driver, seed FROM environments WHERE run_id = ?",
                          (runs["fast"],)).fetchall()  # fmt: skip
        assert envs == [("sqlite", "embedded", "sqlite3", 7)]
        [(hist,)] = db.execute("SELECT encoded FROM histograms WHERE run_id = ? AND scope = "
                               "'overall'", (runs["fast"],)).fetchall()  # fmt: skip
        assert hist.startswith("HIST")
        metrics_before = db.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
    finally:
        db.close()

    code, out, err = arena(root, "baseline", "set", runs["fast"])
    assert code == 0, err
    assert f"baseline 'main' = {runs['fast']}" in out

    # the baseline against itself: every change 0, exit 0
    code, out, err = arena(root, "compare", "main", runs["fast"])
    assert code == 0, err + out
    assert "No regression" in out

    # 20 ms think time per operation: throughput far below the baseline, beyond any noise
    code, out, err = arena(root, "compare", "main", runs["slow"], "--threshold", "5%", "--json")
    assert code == 1, err + out
    report = json.loads(out)
    assert report["base"] == runs["fast"] and report["run"] == runs["slow"]
    assert "think_time_s 0.0 -> 0.02" in report["config_differences"]
    [tps] = [c for c in report["changes"] if c["metric"] == "ops_per_s" and c["scope"] == "overall"]
    assert tps["verdict"] == "regression" and tps["change_pct"] < -50
    assert tps["noise_pct"] is not None and tps["confidence"] > 0.99
    code, out, _ = arena(root, "compare", "main", runs["slow"])
    assert code == 1 and "regression(s) beyond 5% and the noise" in out

    # re-importing changes nothing (the store syncs on every command)
    db = sqlite3.connect(root / ".arena" / "results.db")
    try:
        assert db.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == metrics_before
    finally:
        db.close()

    code, out, err = arena(root, "history", "--trend", "ops_per_s", "--engine", "sqlite")
    assert code == 0, err
    assert "sqlite" in out and "(2 runs)" in out


def test_unknown_run_lists_the_recent_ones(history_project):
    root, runs = history_project
    code, _, err = arena(root, "compare", "main", "load-20200101-000000-zzzz")
    assert code == 2
    line = one_line_error(err)
    assert "Unknown run 'load-20200101-000000-zzzz'" in line
    assert runs["postgres"] in line and runs["fast"] in line


def test_a_baseline_on_another_engine_set_is_refused_saying_what_differs(history_project):
    root, runs = history_project
    arena(root, "baseline", "set", runs["fast"])
    code, _, err = arena(root, "compare", "main", runs["postgres"])
    assert code == 2
    line = one_line_error(err)
    assert "engines sqlite vs postgres" in line and runs["postgres"] in line


def test_a_corrupt_run_folder_is_skipped_and_named(history_project):
    root, runs = history_project
    results = root / ".arena" / "results"
    bad = results / "load-29990101-000000-dead"
    shutil.copytree(results / runs["fast"], bad)
    (bad / "run.json").write_text('{"run_id": "load-29990101-000000-dead", "engi')
    try:
        code, out, err = arena(root, "history")
        assert code == 0, err
        assert "load-29990101-000000-dead is corrupt (run.json" in err
        assert runs["fast"] in out  # the others are still listed
        code, _, err = arena(root, "compare", "main", bad.name)
        assert code == 2
        assert "load-29990101-000000-dead is corrupt" in one_line_error(err)
    finally:
        shutil.rmtree(bad)


@pytest.fixture
def empty_project() -> Iterator[Path]:
    root = make_project_dir("arena-history-empty-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("args", [("compare",), ("html",), ("baseline", "set"),
                                  ("compare", "main", "load-x")])  # fmt: skip
def test_no_runs_yet(empty_project, args):
    code, _, err = arena(empty_project, *args)
    assert code == 2
    assert "No runs recorded in this project yet" in one_line_error(err)


def test_a_results_db_from_a_newer_arena_is_refused_and_kept(empty_project):
    (empty_project / ".arena").mkdir()
    path = empty_project / ".arena" / "results.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    code, _, err = arena(empty_project, "history")
    assert code == 2
    assert "written by a newer arena (schema 99" in one_line_error(err)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 99
    db.close()
