"""`arena run deadlocks` on real PostgreSQL, MariaDB and SQLite."""

from __future__ import annotations

import json

import pytest

from arena.correctness import deadlocks
from tests.conftest import fresh_database, run_arena

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def measured(servers):
    result = {}
    for name in ("postgres", "mariadb", "sqlite"):
        with fresh_database(name, servers) as (engine, endpoint):
            result[name] = {c["case"]: c for c in deadlocks.run_engine(engine, endpoint)["cases"]}
    return result


@pytest.mark.parametrize("name", ["postgres", "mariadb"])
@pytest.mark.parametrize("case", ["2-way deadlock", "3-way deadlock"])
def test_exactly_one_victim_classified_as_deadlock(measured, name, case):
    result = measured[name][case]
    assert result["ok"], result["problems"]
    assert len(result["victims"]) == 1
    assert result["victim_kind"] == "deadlock"
    sessions = int(case[0])
    assert len(result["survivors_committed"]) == sessions - 1


def test_postgres_waits_deadlock_timeout_and_innodb_detects_at_once(measured):
    # PostgreSQL looks for a cycle only after a waiter has waited deadlock_timeout (1 s).
    assert measured["postgres"]["2-way deadlock"]["since_first_wait_ms"] >= 950
    # InnoDB checks for a cycle when a lock wait starts: the closing step fails at once.
    assert measured["mariadb"]["2-way deadlock"]["detection_ms"] < 400


@pytest.mark.parametrize("case", ["2-way deadlock", "3-way deadlock"])
def test_sqlite_serialises_writers_instead(measured, case):
    result = measured["sqlite"][case]
    assert result["ok"], result["problems"]
    assert result["victims"] == ["none: writers serialised"]


@pytest.mark.parametrize("name", ["postgres", "mariadb", "sqlite"])
def test_lock_wait_times_out_with_the_engines_own_timeout(measured, name):
    result = measured[name][f"lock wait (timeout {deadlocks.LOCK_TIMEOUT_S:g}s)"]
    assert result["ok"], result["problems"]
    assert result["kind"] == "lock_timeout"
    assert 900 <= result["waited_ms"] < 4000


@pytest.mark.parametrize("name", ["postgres", "mariadb", "sqlite"])
def test_rollback_to_savepoint_keeps_the_work_before_it(measured, name):
    result = measured[name]["rollback to savepoint after an error"]
    assert result["ok"], result["problems"]
    assert result["rows_after_commit"] == [1, 10, 11]


def test_cli(servers):
    out = run_arena(servers.root, "run", "deadlocks", "--engines", "mariadb", "--json")
    assert out.returncode == 0, out.stderr
    (engine,) = json.loads(out.stdout)["engines"]
    assert engine["detector"] == "innodb_deadlock_detect=1"
    assert all(c["ok"] for c in engine["cases"])
    assert run_arena(servers.root, "run", "deadlocks", "--levels", "rc").returncode == 2
