"""`arena load` against real servers (PostgreSQL, MariaDB, SQLite from the session fixtures):
closed and open model, worker processes, the results folder, an engine dying mid-run, Ctrl-C.

Loads run as `python -m arena load` subprocesses: Locust monkey-patches the process it is
imported in, and the test process must stay unpatched. Every run is short and bounded.
Each test works in databases of its own on the shared servers, reached through a throwaway
project whose state points at them (never `arena down`: the servers belong to the session).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena import lifecycle
from arena.engines import get_engine
from arena.load.metrics import decode
from arena.state import ProjectState
from tests.conftest import fresh_database, make_project_dir, run_arena

pytestmark = pytest.mark.integration

ACCOUNTS = 2_000
ROOT = Path(__file__).resolve().parents[2]
ENGINES = ["postgres", "mariadb", "sqlite"]


def create_tables(engine, endpoint, rows: int = ACCOUNTS) -> None:
    """A pgbench-like accounts table (dense integer keys, an index to range-scan) and an
    orders table with an identity key and a foreign key to it."""
    serial = engine.type_name("serial_pk")
    conn = engine.connect(endpoint)
    try:
        cur = conn.cursor()
        cur.execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL, note varchar(40))"
        )
        cur.execute("CREATE INDEX accounts_balance ON accounts (balance)")
        cur.execute(
            f"CREATE TABLE orders (id {serial} PRIMARY KEY, account_id int NOT NULL "
            "REFERENCES accounts (id), amount int NOT NULL)"
        )
        p = engine.placeholder
        cur.executemany(
            f"INSERT INTO accounts (id, balance, note) VALUES ({p}, {p}, {p})",
            [(i, (i * 7919) % 100_000, f"n{i}") for i in range(1, rows + 1)],
        )
        cur.executemany(
            f"INSERT INTO orders (account_id, amount) VALUES ({p}, {p})",
            [((i % rows) + 1, i % 500) for i in range(rows)],
        )
        if not getattr(conn, "autocommit", True):
            conn.commit()
    finally:
        conn.close()


@pytest.fixture
def load_project(servers) -> Iterator[Path]:
    """An arena project dir (no servers of its own); tests record endpoints into it."""
    root = make_project_dir("arena-load-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def adopt(root: Path, endpoint) -> None:
    ProjectState(root).save_endpoint(endpoint)


MIX = """name: test-mix
operations:
  pk_lookup accounts: 30
  range_scan accounts: 10
  update accounts: 10
  pagination accounts: 5
  aggregate accounts: 5
  insert orders: 20
  delete orders: 10
  join orders: 10
"""


def write_mix(root: Path, text: str = MIX) -> str:
    path = root / "mix.yaml"
    path.write_text(text)
    return str(path)


def arena(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return run_arena(root, *args, timeout=timeout)


def start_arena(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "arena", *args],
        cwd=root,
        env={**os.environ, "ARENA_PROJECT_DIR": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def load_json(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def run_dir(root: Path) -> Path:
    [path] = list((root / ".arena" / "results").iterdir())
    return path


def wait_for_run_dir(root: Path, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        results = root / ".arena" / "results"
        if results.is_dir():
            for path in results.iterdir():
                return path
        time.sleep(0.1)
    raise AssertionError("no run folder appeared")


def wait_for_csv_rows(path: Path, rows: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) > rows:
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} did not get {rows} rows")


@pytest.mark.parametrize("name", ENGINES)
def test_closed_model_mix_on_each_engine(name, servers, load_project):
    with fresh_database(name, servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        mix = write_mix(load_project)
        out = load_json(
            arena(
                load_project,
                "load",
                "--engines",
                name,
                "--mix",
                mix,
                "--users",
                "3",
                "--duration",
                "3s",
                "--seed",
                "7",
                "--json",
            )  # fmt: skip
        )
        result = out["engines"][name]
        assert result["status"] == "ok"
        ops = result["operations"]
        for op in (
            "pk_lookup accounts",
            "insert orders",
            "update accounts",
            "join orders>accounts",
        ):
            assert ops[op]["count"] > 0, op
        assert result["overall"]["count"] > 100
        assert result["error_count"] == 0, result["errors"]
        overall = result["overall"]
        assert 0 < overall["p50_us"] <= overall["p99_us"] <= overall["max_us"]

        # arena deleted only rows it had inserted: every seeded order is still there
        _, rows = engine.execute(endpoint, f"SELECT COUNT(*) FROM orders WHERE id <= {ACCOUNTS}")
        assert rows[0][0] == ACCOUNTS

        folder = run_dir(load_project)
        run = json.loads((folder / "run.json").read_text())
        assert run["status"] == "done"
        assert run["config"]["seed"] == 7 and run["config"]["model"] == "closed"
        info = run["engines"][name]
        assert info["status"] == "ok" and info["version"]
        # the load's driver and its version, e.g. psycopg 3.3.9 (issue 15)
        assert info["driver"] == engine.load_driver() and info["driver_version"]
        assert info["runtime"] in ("native", "embedded")
        metrics = json.loads((folder / f"{name}.json").read_text())
        assert metrics["histogram_unit"] == "microseconds"
        assert decode(metrics["histograms"]["overall"]).get_total_count() == overall["count"]
        with (folder / f"{name}.csv").open() as f:
            series = list(csv.DictReader(f))
        assert len(series) >= 2
        assert sum(int(r["ops"]) for r in series) == overall["count"]
        summary = json.loads((folder / "summary.json").read_text())
        assert summary[name]["overall"]["count"] == overall["count"]


@pytest.mark.parametrize("shape", ["ramp", "spike"])
def test_blocking_driver_runs_stop_at_their_duration(shape, servers, load_project):
    """SQLite's calls block the event loop; users must still let the loop's timers run (the
    shape's ticks, the runner's stop), or a 3 s run goes on for a minute and more."""
    with fresh_database("sqlite", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        started = time.monotonic()
        out = load_json(
            arena(
                load_project,
                "load",
                "--engines",
                "sqlite",
                "--mix",
                write_mix(load_project),
                "--shape",
                shape,
                "--users",
                "4",
                "--duration",
                "3s",
                "--json",
            )  # fmt: skip
        )
        wall = time.monotonic() - started
        result = out["engines"]["sqlite"]
        assert result["status"] == "ok"
        elapsed = json.loads((Path(out["path"]) / "run.json").read_text())["engines"]["sqlite"][
            "elapsed_s"
        ]
        assert 3.0 <= elapsed < 4.5, elapsed
        assert wall < 30, wall  # start-up and introspection included


def test_open_model_holds_the_rate_and_reports_schedule_lag(servers, load_project):
    with fresh_database("postgres", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        mix = write_mix(load_project, "operations: {pk_lookup accounts: 100}\n")
        out = load_json(
            arena(
                load_project,
                "load",
                "--engines",
                "postgres",
                "--mix",
                mix,
                "--users",
                "4",
                "--duration",
                "4s",
                "--tps",
                "400",
                "--arrival",
                "fixed",
                "--json",
            )  # fmt: skip
        )
        result = out["engines"]["postgres"]
        assert out["config"]["model"] == "open" and out["config"]["arrival"] == "fixed"
        assert result["status"] == "ok"
        assert abs(result["throughput_per_s"] - 400) / 400 < 0.05, result["throughput_per_s"]
        lag = result["schedule_lag"]
        # one lag per completed operation, recorded with its latency
        assert lag["count"] == result["overall"]["count"]
        # latency is counted from the intended start, so it can never be below the lag
        assert result["overall"]["max_us"] >= lag["max_us"]


def test_worker_processes_merge_into_one_result(servers, load_project):
    with fresh_database("postgres", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        mix = write_mix(load_project)
        out = load_json(
            arena(
                load_project,
                "load",
                "--engines",
                "postgres",
                "--mix",
                mix,
                "--users",
                "4",
                "--workers",
                "2",
                "--duration",
                "3s",
                "--json",
            )  # fmt: skip
        )
        result = out["engines"]["postgres"]
        assert result["status"] == "ok"
        assert result["overall"]["count"] > 100
        assert result["error_count"] == 0, result["errors"]
        with (run_dir(load_project) / "postgres.csv").open() as f:
            series = list(csv.DictReader(f))
        assert max(int(r["users"]) for r in series) == 4  # 2 per worker, summed
        assert sum(int(r["ops"]) for r in series) == result["overall"]["count"]


def test_same_mix_seed_and_shape_on_engines_side_by_side(servers, load_project):
    with (
        fresh_database("postgres", servers) as (pg, pg_ep),
        fresh_database("sqlite", servers) as (lite, lite_ep),
    ):
        create_tables(pg, pg_ep)
        create_tables(lite, lite_ep)
        adopt(load_project, pg_ep)
        adopt(load_project, lite_ep)
        mix = write_mix(load_project)
        result = arena(load_project, "load", "--engines", "postgres,sqlite", "--mix", mix,
                       "--users", "2", "--duration", "2s", "--parallel")  # fmt: skip
        assert result.returncode == 0, result.stderr
        table = result.stdout
        assert "postgres" in table and "sqlite" in table and "p99 ms" in table
        run = json.loads((run_dir(load_project) / "run.json").read_text())
        assert run["config"]["parallel"] is True
        assert {e: v["status"] for e, v in run["engines"].items()} == {
            "postgres": "ok",
            "sqlite": "ok",
        }


def test_an_engine_dying_mid_run_is_marked_and_the_others_go_on(project, servers):
    [started] = lifecycle.up(["postgres"], "native", state=project)
    assert started.error is None
    own_pg = started.endpoint
    create_tables(get_engine("postgres"), own_pg)
    with fresh_database("sqlite", servers) as (lite, lite_ep):
        create_tables(lite, lite_ep)
        adopt(project.root, lite_ep)
        mix = write_mix(project.root, "operations: {pk_lookup accounts: 100}\n")
        proc = start_arena(project.root, "load", "--engines", "postgres,sqlite", "--mix", mix,
                           "--users", "2", "--duration", "8s", "--json")  # fmt: skip
        folder = wait_for_run_dir(project.root)
        wait_for_csv_rows(folder / "postgres.csv", 2)
        os.kill(own_pg.pid, signal.SIGKILL)  # the server vanishes mid-run
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        out = json.loads(stdout)
        pg = out["engines"]["postgres"]
        assert pg["status"] == "died"
        assert "stopped answering" in pg["message"]
        assert pg["overall"]["count"] > 0  # what was measured before is kept
        assert pg["error_count"] > 0
        assert out["engines"]["sqlite"]["status"] == "ok"
        assert out["engines"]["sqlite"]["overall"]["count"] > 0
        run = json.loads((folder / "run.json").read_text())
        assert run["engines"]["postgres"]["status"] == "died"
        # its rates cover the time it answered, not the seconds it lay dead as well
        metrics = json.loads((folder / "postgres.json").read_text())
        elapsed, measured = metrics["elapsed_s"], metrics["measured_s"]
        assert measured <= elapsed - 2, (measured, elapsed)
        assert pg["throughput_per_s"] >= pg["overall"]["count"] / measured * 0.99
        assert pg["throughput_per_s"] > 1.3 * pg["overall"]["count"] / elapsed


def test_ctrl_c_flushes_results_and_stops_cleanly(servers, load_project):
    with fresh_database("postgres", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        mix = write_mix(load_project, "operations: {pk_lookup accounts: 100}\n")
        proc = start_arena(load_project, "load", "--engines", "postgres", "--mix", mix,
                           "--users", "2", "--duration", "60s")  # fmt: skip
        folder = wait_for_run_dir(load_project)
        wait_for_csv_rows(folder / "postgres.csv", 2)
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert time.monotonic() - began < 15
        assert proc.returncode == 130, stderr
        assert "Interrupted" in stderr and "Traceback" not in stderr
        run = json.loads((folder / "run.json").read_text())
        assert run["status"] == "interrupted"
        assert run["engines"]["postgres"]["status"] == "interrupted"
        metrics = json.loads((folder / "postgres.json").read_text())
        assert metrics["summary"]["overall"]["count"] > 0


def test_no_data_says_to_seed(servers, load_project):
    with fresh_database("postgres", servers) as (engine, endpoint):
        create_tables(engine, endpoint, rows=0)
        adopt(load_project, endpoint)
        mix = write_mix(load_project)
        result = arena(load_project, "load", "--engines", "postgres", "--mix", mix,
                       "--duration", "2s")  # fmt: skip
        assert result.returncode == 2
        assert "no rows in" in result.stderr and "arena seed" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--shape", "zigzag"], "Unknown shape 'zigzag'"),
        (["--duration", "5x"], "Invalid duration '5x'"),
        (["--pattern", "oltpp"], "Unknown pattern 'oltpp'. Did you mean oltp?"),
        (["--arrival", "burst", "--tps", "10"], "Unknown arrival 'burst'"),
        (["--tps", "lots"], "Invalid --tps rate 'lots'"),
        (["--engines", "postgress"], "Unknown engine 'postgress'"),
        (["--shape", "stages"], "--shape stages needs --stages FILE"),
        (["--spawn-rate", "-1"], "Invalid --spawn-rate -1"),
        (["--spawn-rate", "0"], "Invalid --spawn-rate 0"),
        (["--shape", "ramp", "--stages", "scenarios/stages.yaml"], "--stages applies to"),
        (["--engines", ","], "names no engine"),
        (["--engines", " , "], "names no engine"),
        (["--max-error-rate", "lots"], "Invalid --max-error-rate 'lots'"),
        (["--max-error-rate", "150%"], "Invalid --max-error-rate '150%'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(load_project, args, message):
    from click.testing import CliRunner

    from arena.cli import cli

    old = os.getcwd()
    os.chdir(load_project)
    args = [str(ROOT / a) if a.startswith("scenarios/") else a for a in args]
    try:
        engines = [] if "--engines" in args else ["--engines", "sqlite"]
        result = CliRunner().invoke(cli, ["load", *engines, *args])
    finally:
        os.chdir(old)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    assert "locust" not in sys.modules  # nothing was started or monkey-patched


def test_a_binary_mix_or_stages_file_is_one_line(load_project):
    from click.testing import CliRunner

    from arena.cli import cli

    binary = load_project / "mix.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    for option in ("--mix", "--stages"):
        result = CliRunner().invoke(cli, ["load", "--engines", "sqlite", option, str(binary)])
        assert result.exit_code == 2, result.output
        assert "is not text (UTF-8 YAML)" in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_a_bad_mix_file_is_rejected_before_anything_starts(load_project):
    from click.testing import CliRunner

    from arena.cli import cli

    mix = write_mix(load_project, "operations: {pk_lookup: 50, insert: 30}\n")
    result = CliRunner().invoke(cli, ["load", "--engines", "sqlite", "--mix", mix])
    assert result.exit_code == 2
    assert "sum to 80, not 100" in result.output
