"""The recorder on real servers: every load records its run, environment (server settings),
resources and client-bound verdict into .arena/results.db and its run folder as it goes; a
run killed or interrupted is kept and marked; a deliberately client-bound run is marked in
every output and a normal one is not (negative control both ways)."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena.state import ProjectState
from tests.conftest import fresh_database, make_project_dir, run_arena
from tests.integration.test_load import create_tables, start_arena, write_mix

pytestmark = pytest.mark.integration

PK_MIX = """name: pk-only
operations:
  pk_lookup accounts: 100
"""


@pytest.fixture(scope="module")
def project(servers) -> Iterator[Path]:
    root = make_project_dir("arena-recording-")
    with fresh_database("postgres", servers) as (pg, pg_end):
        create_tables(pg, pg_end)
        ProjectState(root).save_endpoint(pg_end)
        write_mix(root, PK_MIX)
        yield root
    import shutil

    shutil.rmtree(root, ignore_errors=True)


def load(root: Path, *extra: str) -> tuple[dict, str]:
    done = run_arena(root, "load", "--engines", "postgres", "--mix", str(root / "mix.yaml"),
                     *extra, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    return done, done.stdout + done.stderr


def db(root: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(root / ".arena" / "results.db")
    conn.row_factory = sqlite3.Row
    return conn


def environment(root: Path, run_id: str) -> sqlite3.Row:
    with db(root) as conn:
        return conn.execute(
            "SELECT * FROM environments WHERE run_id = ? AND engine = 'postgres'", (run_id,)
        ).fetchone()


@pytest.fixture(scope="module")
def normal_run(project) -> dict:
    """An open-model run at a trickle: the load generator idles most of each second."""
    done, _ = load(project, "--tps", "40", "--duration", "6s", "--json")
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def bound_run(project) -> tuple[dict, str]:
    """Deliberately client-bound: 24 closed-model users on primary-key lookups in one load
    generator process: the Python client, not PostgreSQL, is the limit."""
    done, text = load(project, "--users", "24", "--duration", "8s")
    run_id = Path(done.stdout.split("Results: ")[1].split()[0]).name
    return json.loads(run_arena(project, "report", run_id, "--json").stdout), text


def test_a_load_records_run_environment_and_resources(project, normal_run):
    run_id = normal_run["run_id"]
    with db(project) as conn:
        run = conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        samples = conn.execute(
            "SELECT COUNT(*), MAX(cpu_pct), MAX(rss_bytes) FROM resources WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert run["status"] == "done" and run["kind"] == "load"
    assert json.loads(run["argv"])[:2] == ["arena", "load"]
    env = environment(project, run_id)
    settings = json.loads(env["settings"])
    for key in ("shared_buffers", "fsync", "synchronous_commit", "isolation"):
        assert settings.get(key), (key, settings)
    assert env["driver"] == "psycopg" and env["driver_version"]
    assert env["binary"].endswith("postgres") and env["runtime"] == "native"
    res = json.loads(env["resources"])
    assert res["seconds"] >= 4
    assert res["server_rss_bytes_max"] > 1_000_000
    assert res["db_size_start_bytes"] > 0 and res["db_size_end_bytes"] > 0
    assert res["connections_max"] >= 1  # the load's own session (the sampler's is not counted)
    assert samples[0] >= 4 and samples[2] > 1_000_000
    # the run folder holds the same, so the store can be rebuilt from it
    folder = Path(run["folder"])
    recorded = json.loads((folder / "recording.json").read_text())
    assert recorded["instances"]["postgres"]["settings"] == settings
    assert (folder / "resources.jsonl").stat().st_size > 0


def test_a_normal_run_is_not_client_bound(project, normal_run):
    """Negative control for the marking: a trickle of operations is not client-bound."""
    assert normal_run["client_bound"] == []
    assert normal_run["engines"]["postgres"]["client_bound"] is False
    assert environment(project, normal_run["run_id"])["client_bound"] == 0


def test_a_deliberately_client_bound_run_is_marked_everywhere(project, bound_run):
    doc, text = bound_run
    run_id = doc["run_id"]
    res = json.loads(environment(project, run_id)["resources"])
    assert doc["client_bound"] == ["postgres"], res
    assert doc["resources"]["postgres"]["client_bound"] is True
    assert environment(project, run_id)["client_bound"] == 1
    assert "postgres: CLIENT-BOUND" in text  # `arena load`'s own output
    # Locust's own warning is not printed raw: arena's marking replaces it
    assert "CPU usage above" not in text and "docs.locust.io" not in text
    shown = run_arena(project, "report", run_id)
    assert shown.returncode == 0, shown.stderr
    assert "postgres: CLIENT-BOUND" in shown.stderr
    listed = json.loads(run_arena(project, "report", "--list", "--json").stdout)
    assert {r["run_id"]: r["client_bound"] for r in listed}[run_id] == ["postgres"]
    page = project / "bound.html"
    made = run_arena(project, "report", run_id, "--html", "-o", str(page))
    assert made.returncode == 0, made.stderr
    html = page.read_text()
    assert 'id="client-bound-postgres"' in html and "was CLIENT-BOUND" in html


def test_the_normal_run_page_has_no_banner(project, normal_run):
    page = project / "normal.html"
    made = run_arena(project, "report", normal_run["run_id"], "--html", "-o", str(page))
    assert made.returncode == 0, made.stderr
    html = page.read_text()
    assert "was CLIENT-BOUND" not in html
    assert 'id="chart-resources-cpu_pct"' in html and 'id="chart-resources-rss_bytes"' in html
    assert "shared_buffers=" in html


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_a_killed_or_interrupted_load_is_kept_and_marked(project, how):
    proc = start_arena(project, "load", "--engines", "postgres", "--mix",
                       str(project / "mix.yaml"), "--users", "2", "--duration", "60s")  # fmt: skip
    results = project / ".arena" / "results"
    before = set(results.iterdir())
    deadline = time.time() + 60
    folder = None
    while time.time() < deadline and folder is None:
        fresh = [p for p in set(results.iterdir()) - before if (p / "postgres.csv").exists()]
        folder = fresh[0] if fresh else None
        time.sleep(0.2)
    assert folder is not None, "the load never started"
    time.sleep(3)
    proc.send_signal(getattr(signal, how))
    proc.communicate(timeout=60)
    expected = "crashed" if how == "SIGKILL" else "interrupted"
    listed = json.loads(run_arena(project, "report", "--list", "--json").stdout)
    status = {r["run_id"]: r["status"] for r in listed}
    assert status[folder.name] == expected
    assert folder.is_dir() and (folder / "postgres.csv").stat().st_size > 0


def test_seed_bench_and_a_suite_record_themselves(project, servers):
    engine = servers.endpoint("postgres")
    from arena.engines import get_engine

    pg = get_engine("postgres")
    endpoint = ProjectState(project).endpoint("postgres")
    pg.execute(endpoint, "CREATE TABLE seed_me (id int PRIMARY KEY, label varchar(20))")
    assert engine is not None
    for args in (("seed", "--engines", "postgres", "--tables", "seed_me", "--rows", "300"),
                 ("bench", "query", "--engines", "postgres", "--repeats", "1", "--warmup", "0",
                  "--iterations", "2"),
                 ("run", "deadlocks", "--engines", "postgres")):  # fmt: skip
        done = run_arena(project, *args, timeout=300)
        assert done.returncode == 0, (args, done.stderr[-2000:])
    listed = json.loads(run_arena(project, "report", "--list", "--json").stdout)
    last = {r["kind"]: r for r in listed}
    assert last["seed"]["status"] == "done" and last["seed"]["workload"].startswith("seed ")
    assert last["bench"]["status"] == "done" and last["run"]["workload"] == "run deadlocks"
    with db(project) as conn:
        for kind in ("seed", "bench", "run"):
            run_id = last[kind]["run_id"]
            env = environment(project, run_id)
            assert json.loads(env["settings"])["shared_buffers"], kind
            if kind != "seed":  # resources are sampled while a bench or suite runs
                res = json.loads(env["resources"])
                assert res["db_size_start_bytes"] > 0 and res["db_size_end_bytes"] > 0, kind
                # the suite takes seconds; this bench may end within one
                assert res["seconds"] >= (1 if kind == "run" else 0), kind
            metrics = conn.execute("SELECT COUNT(*) FROM metrics WHERE run_id = ?",
                                   (run_id,)).fetchone()[0]  # fmt: skip
            assert metrics > 0 or kind == "run", kind
        rows = conn.execute("SELECT value FROM metrics WHERE run_id = ? AND name = 'rows_per_s'",
                            (last["seed"]["run_id"],)).fetchone()  # fmt: skip
        assert rows[0] > 0
    attached = json.loads(run_arena(project, "report", last["run"]["run_id"], "--json").stdout)
    assert attached["attachments"]["deadlocks"][0]["engine"] == "postgres"


def test_a_container_is_sampled_through_the_docker_stats_api(docker_client):
    """A PostgreSQL container: CPU and memory from Docker's stats stream, its image and
    --cpus/--memory limits in the environment."""
    from arena import lifecycle

    root = make_project_dir("arena-recording-docker-")
    state = ProjectState(root)
    try:
        from arena.models import StartOptions

        limits = {"postgres": StartOptions(cpus=1.0, memory="512m")}
        results = lifecycle.up(["postgres"], "docker", options=limits, state=state)
        assert not [r for r in results if r.error], results
        from arena.engines import get_engine

        create_tables(get_engine("postgres"), state.endpoint("postgres"))
        write_mix(root, PK_MIX)
        done, _ = load(root, "--users", "2", "--duration", "5s", "--json")
        env = environment(root, json.loads(done.stdout)["run_id"])
        assert env["image"] == "postgres:16" and env["runtime"] == "docker"
        assert json.loads(env["limits"]), env["limits"]
        res = json.loads(env["resources"])
        assert res["server_cpu_pct_max"] > 0 and res["server_rss_bytes_max"] > 1_000_000, res
        assert json.loads(env["settings"])["shared_buffers"]
    finally:
        lifecycle.down(purge=True, state=state)
        import shutil

        shutil.rmtree(root, ignore_errors=True)
