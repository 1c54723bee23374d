"""`arena run isolation` on real PostgreSQL, MariaDB and SQLite: Hermitage's published
results hold on the versions installed here, and the matrix is the same on every run."""

from __future__ import annotations

import json

import pytest

from arena.correctness import isolation
from tests.conftest import fresh_database, run_arena

pytestmark = pytest.mark.integration

ENGINES = ["postgres", "mariadb", "sqlite"]
WEAK = ("G0", "G1a", "G1b", "G1c", "OTV")


@pytest.fixture(scope="module")
def matrices(servers):
    """The full matrix of each engine, measured twice on fresh databases."""
    measured = {}
    for name in ENGINES:
        runs = []
        for _ in range(2):
            with fresh_database(name, servers) as (engine, endpoint):
                result = isolation.run_engine(engine, endpoint)
            runs.append({row["level"]: row for row in result["rows"]})
        measured[name] = runs
    return measured


def cells(row) -> dict[str, str]:
    return row["cells"]


def test_postgres_read_committed_observes_lost_update_and_prevents_the_weak_anomalies(matrices):
    row = cells(matrices["postgres"][0]["READ COMMITTED"])
    assert row["P4"] == "observed"
    assert {col: row[col] for col in WEAK} == dict.fromkeys(WEAK, "prevented")
    assert matrices["postgres"][0]["READ COMMITTED"]["actual"] == "read committed"


def test_postgres_repeatable_read_is_snapshot_isolation(matrices):
    row = matrices["postgres"][0]["REPEATABLE READ"]
    assert row["cells"]["G2-item"] == "observed"
    assert row["actual"] == "snapshot isolation"


@pytest.mark.parametrize("name", ENGINES)
def test_serializable_prevents_every_anomaly(matrices, name):
    row = matrices[name][0]["SERIALIZABLE"]
    assert cells(row) == dict.fromkeys(isolation.COLUMNS, "prevented")
    assert row["actual"] == "serializable"


def test_mariadb_repeatable_read_loses_updates(matrices):
    """InnoDB's repeatable read: a consistent snapshot for reads, but writes act on the latest
    row version, so a read-modify-write loses an update (Hermitage's MySQL result)."""
    row = matrices["mariadb"][0]["REPEATABLE READ"]
    assert row["cells"]["P4"] == "observed"
    assert row["cells"]["G-single"] == "read-only"
    assert row["actual"] == "read committed"


def test_mariadb_read_uncommitted_reads_dirty_data(matrices):
    assert cells(matrices["mariadb"][0]["READ UNCOMMITTED"])["G1a"] == "observed"


@pytest.mark.parametrize("name", ENGINES)
def test_matrix_is_identical_on_a_second_run(matrices, name):
    first, second = matrices[name]
    assert {lv: (r["cells"], r["actual"]) for lv, r in first.items()} == {
        lv: (r["cells"], r["actual"]) for lv, r in second.items()
    }
    # Not only the cells: each test's verdict and how it was prevented.
    assert [[(t["test"], t["verdict"], t["how"]) for t in r["tests"]] for r in first.values()] == [
        [(t["test"], t["verdict"], t["how"]) for t in r["tests"]] for r in second.values()
    ]


def test_cli_json_has_every_step(servers):
    out = run_arena(servers.root, "run", "isolation", "--engines", "postgres", "--levels",
                    "serializable", "--tests", "P4", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    (test,) = data["engines"][0]["rows"][0]["tests"]
    assert test["test"] == "P4" and test["verdict"] == "prevented"
    errors = [s for s in test["steps"] if s["status"] == "error"]
    assert errors and errors[0]["error_kind"] == "serialization"
    assert "serialize" in errors[0]["error"]


def test_cli_table(servers):
    out = run_arena(servers.root, "run", "isolation", "--engines", "sqlite")
    assert out.returncode == 0, out.stderr
    assert (
        "serializable" in out.stdout
        and "✓" in out.stdout
        and "—" not in out.stdout.split("\n\n")[1]
    )


def test_level_the_engine_lacks_is_one_line_exit_2(servers):
    out = run_arena(servers.root, "run", "isolation", "--engines", "postgres,sqlite",
                    "--levels", "read-committed")  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1, out.stderr
    assert "SQLite has no isolation level 'READ COMMITTED'" in out.stderr
    assert "SERIALIZABLE" in out.stderr
    assert out.stdout == ""  # nothing ran on PostgreSQL either


def test_unknown_anomaly_test_did_you_mean(servers):
    out = run_arena(servers.root, "run", "isolation", "--tests", "G2item")
    assert out.returncode == 2 and "Did you mean G2-item?" in out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--step-timeout", "0"), "--step-timeout must be above 0"),
        (("--engines", "sqlite", "--window", "3"), "--window applies to `arena run migrations`"),
        (("--engines", "mysql"), "mysql is not up"),
    ],
)
def test_bad_input_is_one_line_exit_2(servers, args, message):
    out = run_arena(servers.root, "run", "isolation", *args)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == ""
