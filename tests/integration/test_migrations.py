"""`arena run migrations` on real PostgreSQL, MariaDB and SQLite, under a real `arena load`.

Small tables (--rows) keep the test short; the 1M-row numbers are in the closing note."""

from __future__ import annotations

import json

import pytest

from arena.correctness import migrations
from tests.conftest import run_arena

pytestmark = pytest.mark.integration

ROWS = "20000"


@pytest.fixture(scope="module")
def measured(servers):
    out = run_arena(servers.root, "run", "migrations", "--rows", ROWS, "--users", "2",
                    "--window", "1", "--json", timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return {e["engine"]: e for e in json.loads(out.stdout)["engines"]}, out.stderr


@pytest.mark.parametrize("name", ["postgres", "mariadb", "sqlite"])
def test_every_change_applied_under_load(measured, name):
    result = measured[0][name]
    assert result["rows"] == int(ROWS)
    changes = {c["change"]: c for c in result["changes"]}
    assert list(changes) == list(migrations.CHANGES)
    for change in changes.values():
        if change["status"] == "n/a":
            assert name == "sqlite" and change["note"], change
            continue
        assert change["status"] == "ok", change
        assert change["ddl_s"] > 0
        assert change["baseline_tps"] and change["baseline_tps"] > 0, change
        assert change["min_tps"] is not None and change["max_latency_ms"] > 0
        assert isinstance(change["load_errors"], int)


def test_sqlite_says_which_changes_it_cannot_make(measured):
    changes = {c["change"]: c for c in measured[0]["sqlite"]["changes"]}
    assert changes["change column type"]["status"] == "n/a"
    assert "rebuild" in changes["change column type"]["note"]
    assert changes["add foreign key"]["status"] == "n/a"


@pytest.mark.parametrize("name", ["postgres", "sqlite"])
def test_transactional_ddl_rolls_back_whole(measured, name):
    half = measured[0][name]["failed_half_way"]
    assert half["failed_at_step"] == 3
    assert half["left_behind"] == [] and half["transactional_ddl"]


def test_mariadb_shows_what_a_failed_migration_left_behind(measured):
    """The must-flag case: DDL that commits on its own survives the ROLLBACK."""
    half = measured[0]["mariadb"]["failed_half_way"]
    assert half["failed_at_step"] == 3
    assert half["left_behind"] == ["column half_done", "index arena_migration_half_ix"]
    assert not half["transactional_ddl"]
    assert "mariadb: no transactional DDL" in measured[1]  # said up front, and still ran


def test_table_too_small_without_rows_is_one_line_exit_2(measured, servers):
    out = run_arena(servers.root, "run", "migrations", "--engines", "sqlite")
    assert out.returncode == 2
    assert "has 20,000 rows: too small" in out.stderr and "--rows 1m" in out.stderr
    assert out.stderr.count("\n") == 1


def test_unknown_change_is_one_line_exit_2(servers):
    out = run_arena(servers.root, "run", "migrations", "--changes", "add-indx")
    assert out.returncode == 2 and "Did you mean add index?" in out.stderr


def test_stall_measures_a_dip_and_the_errors_it_caused():
    """Negative control for the arithmetic: a stalled second MUST show as a dip."""
    series = [{"wall": w, "tps": 1000.0, "max_us": 2000.0, "errors": 0.0} for w in range(100, 110)]
    series[5] = {"wall": 105, "tps": 100.0, "max_us": 900_000.0, "errors": 3.0}
    result = migrations.stall(series, 105.1, 105.3, window=3)
    assert result["baseline_tps"] == 1000.0 and result["min_tps"] == 100.0
    assert result["dip_pct"] == 90.0
    assert result["max_latency_ms"] == 900.0 and result["load_errors"] == 3
    calm = migrations.stall(series, 101.1, 101.2, window=1)
    assert calm["dip_pct"] == 0.0 and calm["load_errors"] == 0


def test_read_series_puts_rows_on_whole_wall_seconds(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("elapsed_s,tps,max_us,errors\n1.296,10,5,0\n2.296,11,6,0\n")
    rows = migrations.read_series(path, approx_start=1_000.62)
    assert [r["wall"] for r in rows] == [1002, 1003]
