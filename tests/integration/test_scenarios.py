"""`arena run ecommerce|finance` on real PostgreSQL, MariaDB and SQLite (issue 11): every
workflow commits on every engine, the deliberately unsafe transfer loses updates below
SERIALIZABLE and not at it, the differential check is equal on all three and flags a
deliberate difference, seeded data satisfies every invariant (derived values), and data
that violates one refuses to start.

Runs are `python -m arena` subprocesses (Locust monkey-patches its process), each in fresh
databases of its own on the session's servers, seeded by `arena seed --schema`. Short."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena.state import ProjectState
from tests.conftest import fresh_database, make_project_dir, run_arena

pytestmark = pytest.mark.integration

ENGINES = ("postgres", "mariadb", "sqlite")
ROWS = "2000"


@contextlib.contextmanager
def project(servers, engines=ENGINES, domain: str | None = None) -> Iterator[tuple[Path, dict]]:
    """A throwaway project whose engines are fresh databases on the session's servers,
    seeded with `domain` when given. Yields (root, {name: (engine, endpoint)})."""
    root = make_project_dir("arena-scen-")
    with contextlib.ExitStack() as stack:
        pairs = {name: stack.enter_context(fresh_database(name, servers)) for name in engines}
        state = ProjectState(root)
        for _, endpoint in pairs.values():
            state.save_endpoint(endpoint)
        if domain:
            done = run_arena(root, "seed", "--schema", domain, "--rows", ROWS)
            assert done.returncode == 0, done.stderr
        try:
            yield root, pairs
        finally:
            shutil.rmtree(root, ignore_errors=True)


def run_json(root: Path, *args: str, timeout: float = 240) -> tuple[int, dict, str]:
    done = run_arena(root, "run", *args, "--json", timeout=timeout)
    try:
        data = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        data = {}
    return done.returncode, data, done.stderr


@pytest.mark.parametrize("suite", ["ecommerce", "finance"])
def test_every_workflow_commits_on_every_engine_and_invariants_hold(servers, suite) -> None:
    with project(servers, domain=suite) as (root, _):
        code, data, err = run_json(root, suite, "--duration", "5s", "--users", "4")
        assert code == 0, err
        for name in ENGINES:
            engine = data["engines"][name]
            assert engine["status"] == "ok", (name, engine["message"])
            assert engine["invariants"] and all(r["ok"] for r in engine["invariants"].values())
            assert all(r["checks"].get("after") == 1 for r in engine["invariants"].values())
            for workflow, row in engine["workflows"].items():
                assert row["commits"] > 0, (name, workflow, row)
                assert row["p99_us"] > 0
            assert not engine["not_applicable"], engine["not_applicable"]
        # the results folder, like `arena load`'s: run.json, summary.json, per-engine files
        folder = Path(data["path"])
        run = json.loads((folder / "run.json").read_text())
        assert run["status"] == "done" and run["config"]["suite"] == suite
        summary = json.loads((folder / "summary.json").read_text())
        assert set(summary) == set(ENGINES)
        assert (folder / "postgres.csv").exists() and (folder / "sqlite.json").exists()
        shown = run_arena(root, "report", data["run_id"])
        assert shown.returncode == 0, shown.stderr
        assert "postgres" in shown.stdout


UNSAFE = ("finance", "--workflows", "transfer_unsafe", "--duration", "4s", "--users", "8")


@pytest.mark.parametrize(
    ("engine", "weak"), [("postgres", "read-committed"), ("mariadb", "repeatable-read")]
)
def test_the_unsafe_transfer_loses_updates_below_serializable_only(servers, engine, weak):
    """A read-modify-write transfer without locks: at READ COMMITTED (PostgreSQL) or InnoDB's
    REPEATABLE READ (MariaDB, not serializable) concurrent transfers overwrite each other's
    balances and the balance = ledger invariant MUST catch it; at SERIALIZABLE with retries
    the engine aborts the conflicting ones (counted) and it MUST hold."""
    with project(servers, (engine,), "finance") as (root, _):
        code, data, err = run_json(root, *UNSAFE, "--isolation", weak)
        assert code == 3, err
        result = data["engines"][engine]
        assert result["status"] == "failed"
        broken = result["invariants"]["balance_equals_ledger"]
        assert not broken["ok"] and broken["violations"]["after"] > 0 and broken["sample"]
        assert "balance_equals_ledger violated" in err
    with project(servers, (engine,), "finance") as (root, _):
        code, data, err = run_json(root, *UNSAFE, "--isolation", "serializable", "--retries", "8")
        assert code == 0, err
        result = data["engines"][engine]
        assert all(r["ok"] for r in result["invariants"].values()), result["invariants"]
        totals = result["totals"]
        assert totals["commits"] > 0
        # the conflicts were real: the engine aborted some attempts to keep them serializable
        assert totals["retries"] + sum(totals["aborts"].values()) > 0, totals


@pytest.mark.parametrize("suite", ["ecommerce", "finance"])
def test_the_differential_check_is_equal_on_all_three(servers, suite) -> None:
    with project(servers, domain=suite) as (root, _):
        code, data, err = run_json(root, suite, "--users", "1", "--deterministic",
                                   "--calls", "200")  # fmt: skip
        assert code == 0, (err, data.get("differences"))
        assert data["equal"] and data["calls"] == 200
        outcomes = [e["outcomes"] for e in data["engines"].values()]
        assert all(o == outcomes[0] for o in outcomes)
        committed = sum(n for k, n in outcomes[0].items() if k.endswith(": committed"))
        assert sum(outcomes[0].values()) == 200 and committed > 50


def test_the_differential_check_reports_a_difference(servers) -> None:
    """Negative control: one engine's data changed behind arena's back (a credit limit on
    MariaDB only) must be reported, with the table and the first differing rows."""
    with project(servers, domain="finance") as (root, pairs):
        engine, endpoint = pairs["mariadb"]
        engine.execute(endpoint, "UPDATE accounts SET credit_limit = credit_limit + 7 WHERE id = 5")
        code, data, err = run_json(root, "finance", "--users", "1", "--deterministic",
                                   "--calls", "50")  # fmt: skip
        assert code == 3
        assert not data["equal"]
        # mariadb is the reference (the first engine by name): both others differ from it
        assert {d["engine"] for d in data["differences"]} == {"postgres", "sqlite"}
        assert all(d["reference"] == "mariadb" for d in data["differences"])
        diff = data["differences"]
        assert diff[0]["table"] == "accounts"
        assert diff[0]["row"][0] == 5 and diff[0]["reference_row"][0] == 5
        assert "accounts" in err


def test_data_that_violates_an_invariant_refuses_to_start(servers) -> None:
    with project(servers, ("postgres",), "finance") as (root, pairs):
        engine, endpoint = pairs["postgres"]
        engine.execute(endpoint, "UPDATE accounts SET balance = balance + 1 WHERE id = 3")
        done = run_arena(root, "run", "finance", "--duration", "2s")
        assert done.returncode == 2
        assert "already violates an invariant: balance_equals_ledger violated" in done.stderr
        assert "id=3" in done.stderr
        results = root / ".arena" / "results"  # the seed's own run folder is there
        assert not any(p.name.startswith(("run-", "scenario-")) for p in results.iterdir())


def test_the_schema_is_applied_when_missing_and_empty_data_says_to_seed(servers) -> None:
    with project(servers, ("postgres",)) as (root, pairs):
        done = run_arena(root, "run", "ecommerce", "--duration", "2s")
        assert done.returncode == 2
        assert "arena seed --schema ecommerce" in done.stderr
        engine, endpoint = pairs["postgres"]
        _, rows = engine.execute(endpoint, "SELECT COUNT(*) FROM orders")
        assert rows[0][0] == 0  # the tables exist now, empty
