"""`arena load` when things go wrong, on real servers: an engine gone before its turn, custom
SQL that can never run, a run whose error rate is too high, an uninvited client at the
master, a worker with no master, and names that look like driver placeholders (issue 8)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from arena import lifecycle
from arena.engines import get_engine
from tests.conftest import fresh_database
from tests.integration.test_load import (
    adopt,
    arena,
    create_tables,
    load_json,
    start_arena,
    wait_for_csv_rows,
    wait_for_run_dir,
    write_mix,
)

pytestmark = pytest.mark.integration

ENGINES = ["postgres", "mariadb", "sqlite"]


def one_line_error(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    return lines[0]


def test_a_later_engine_gone_before_its_turn_is_recorded_and_the_run_finishes(project, servers):
    """The second engine's server dies while the first one is loaded: its connection is
    opened when its turn comes, and that failure must be its recorded outcome, not a crash
    that loses the first engine's results."""
    [started] = lifecycle.up(["postgres"], "native", state=project)
    assert started.error is None
    own_pg = started.endpoint
    create_tables(get_engine("postgres"), own_pg)
    with fresh_database("sqlite", servers) as (lite, lite_ep):
        create_tables(lite, lite_ep)
        adopt(project.root, lite_ep)
        mix = write_mix(project.root, "operations: {pk_lookup accounts: 100}\n")
        proc = start_arena(project.root, "load", "--engines", "sqlite,postgres", "--mix", mix,
                           "--users", "2", "--duration", "4s", "--json")  # fmt: skip
        folder = wait_for_run_dir(project.root)
        wait_for_csv_rows(folder / "sqlite.csv", 1)
        os.kill(own_pg.pid, signal.SIGKILL)  # gone before its turn
        stdout, stderr = proc.communicate(timeout=120)
        assert "Internal error" not in stderr and "Traceback" not in stderr, stderr
        assert proc.returncode == 0, stderr
        out = json.loads(stdout)
        assert out["engines"]["sqlite"]["status"] == "ok"
        assert out["engines"]["sqlite"]["overall"]["count"] > 0  # first engine's results kept
        pg = out["engines"]["postgres"]
        assert pg["status"] == "died" and "stopped answering" in pg["message"], pg
        run = json.loads((folder / "run.json").read_text())
        assert run["status"] == "done"
        assert run["engines"]["postgres"]["status"] == "died"
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["sqlite"]["status"] == "ok" and summary["postgres"]["status"] == "died"


BAD_SQL = {
    "syntax": ("SELEC balance FROM accounts WHERE id = :id", ["SELEC", "SQL syntax"]),
    "missing table": (
        "SELECT * FROM no_such_table WHERE id = :id",
        ["no_such_table", "does not exist", "doesn't exist"],
    ),
}


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("case", sorted(BAD_SQL))
def test_custom_sql_that_can_never_run_is_refused_before_the_load(name, case, servers, tmp_path):
    sql, words = BAD_SQL[case]
    with fresh_database(name, servers) as (engine, endpoint):
        create_tables(engine, endpoint, rows=50)
        root = tmp_path
        adopt(root, endpoint)
        mix = write_mix(root, textwrap.dedent(f"""\
            operations: {{pk_lookup accounts: 50}}
            custom:
              - name: broken
                weight: 50
                sql: "{sql}"
                params: {{id: {{key: accounts}}}}
            """))  # fmt: skip
        started = time.monotonic()
        result = arena(root, "load", "--engines", name, "--mix", mix, "--duration", "30s")
        assert result.returncode == 2, result.stderr
        line = one_line_error(result)
        assert "rejects custom operation 'broken'" in line
        assert any(w.lower() in line.lower() for w in words), line  # the server's own words
        assert time.monotonic() - started < 25  # refused up front, not after the 30 s load
        assert not (root / ".arena" / "results").exists()


def _duplicate_mix(root: Path) -> str:
    """Valid SQL that fails every time it runs: an insert of a key that exists."""
    return write_mix(root, textwrap.dedent("""\
        operations: {pk_lookup accounts: 50}
        custom:
          - name: duplicate
            weight: 50
            sql: "INSERT INTO accounts (id, balance) VALUES (:id, 1)"
            params: {id: {key: accounts}}
        """))  # fmt: skip


@pytest.mark.parametrize("name", ["postgres", "sqlite"])
def test_a_run_above_the_max_error_rate_fails_with_exit_3(name, servers, tmp_path):
    with fresh_database(name, servers) as (engine, endpoint):
        create_tables(engine, endpoint, rows=200)
        adopt(tmp_path, endpoint)
        mix = _duplicate_mix(tmp_path)
        result = arena(tmp_path, "load", "--engines", name, "--mix", mix, "--users", "2",
                       "--duration", "2s", "--json")  # fmt: skip
        assert result.returncode == 3, result.stderr
        assert "error rate" in result.stderr and "--max-error-rate 1%" in result.stderr
        out = json.loads(result.stdout)  # the numbers are still printed
        assert out["engines"][name]["status"] == "failed"
        assert out["engines"][name]["error_count"] > 0
        run = json.loads((Path(out["path"]) / "run.json").read_text())
        assert run["status"] == "failed" and run["engines"][name]["status"] == "failed"

        # negative control: the same run with every error allowed passes
        allowed = arena(tmp_path, "load", "--engines", name, "--mix", mix, "--users", "2",
                        "--duration", "2s", "--max-error-rate", "100%", "--json")  # fmt: skip
        assert allowed.returncode == 0, allowed.stderr
        assert json.loads(allowed.stdout)["engines"][name]["status"] == "ok"


ROGUE = """
import json, sys, time
import gevent
from locust import __version__
from locust.rpc import Message, zmqrpc

node = "rogue_" + str(time.time())
client = zmqrpc.Client("127.0.0.1", int(sys.argv[1]), node)
# what a plain Locust worker says first, then a forged answer: "I cannot prepare"
client.send(Message("client_ready", __version__, node))
seen = []
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    client.send(Message("arena_ready", {"run": "any", "error": "rogue says no"}, node))
    client.send(Message("heartbeat", {"state": "ready", "current_cpu_usage": 0}, node))
    try:
        with gevent.Timeout(0.5):
            msg = client.recv()
        seen.append(msg.type)
        if msg.type == "arena_plan":
            seen.append(json.dumps(msg.data))
    except gevent.Timeout:
        pass
print(json.dumps({"seen": seen}))
"""


def test_an_uninvited_worker_gets_no_plan_and_cannot_fail_the_run(servers, tmp_path):
    with fresh_database("postgres", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(tmp_path, endpoint)
        mix = write_mix(tmp_path, "operations: {pk_lookup accounts: 100}\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "ARENA_WORKER_TOKEN"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "arena", "load", "--engines", "postgres", "--mix", mix,
             "--users", "2", "--workers", "1", "--master-port", str(port), "--duration", "3s",
             "--json"],
            cwd=tmp_path, env={**env, "ARENA_PROJECT_DIR": str(tmp_path)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.0)  # the master is listening by now; the rogue joins before the plan
        rogue = subprocess.run(
            [sys.executable, "-c", ROGUE, str(port), "8"],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        result = json.loads(stdout)["engines"]["postgres"]
        assert result["status"] == "ok" and result["overall"]["count"] > 0
        assert rogue.returncode == 0, rogue.stderr
        seen = json.loads(rogue.stdout.strip().splitlines()[-1])["seen"]
        assert "ack" not in seen and "arena_plan" not in seen, seen  # never let in
        assert not any(t in seen for t in ("spawn", "arena_start")), seen
        assert endpoint.password not in rogue.stdout


def test_a_worker_with_no_master_gives_up_with_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    started = time.monotonic()
    result = arena(tmp_path, "worker", "--master", "127.0.0.1", "--master-port", str(port),
                   "--token", "t", "--timeout", "2s", timeout=60)  # fmt: skip
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    line = one_line_error(result)
    assert f"127.0.0.1:{port}" in line and "within 2 s" in line


def test_a_worker_without_the_token_is_told_how_to_get_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ARENA_WORKER_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "arena", "worker", "--master", "127.0.0.1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "ARENA_WORKER_TOKEN" in one_line_error(result)


PLACEHOLDER_NAMES = ("50%_off?:x", "r%s:a?te")


@pytest.mark.parametrize("name", ENGINES)
def test_names_with_placeholder_characters_load_on_each_engine(name, servers, tmp_path):
    """%, ? and : in table and column names: PyMySQL reads % as a placeholder start even
    inside a quoted name (issue 8); every statement must escape them for its driver."""
    table, column = PLACEHOLDER_NAMES
    with fresh_database(name, servers) as (engine, endpoint):
        q, p = engine.quote, engine.placeholder
        conn = engine.connect(endpoint)
        try:
            cur = conn.cursor()
            cur.execute(
                f"CREATE TABLE {q(table)} ({q('i%d')} int PRIMARY KEY, {q(column)} int NOT NULL)"
            )
            cur.execute(f"CREATE INDEX {q('ix%s')} ON {q(table)} ({q(column)})")
            rows = [(i, i * 3) for i in range(1, 301)]
            cur.executemany(
                f"INSERT INTO {q(table).replace('%', '%%') if p == '%s' else q(table)} "
                f"({q('i%d').replace('%', '%%') if p == '%s' else q('i%d')}, "
                f"{q(column).replace('%', '%%') if p == '%s' else q(column)}) VALUES ({p}, {p})",
                rows,
            )
            if not getattr(conn, "autocommit", True):
                conn.commit()
        finally:
            conn.close()
        adopt(tmp_path, endpoint)
        mix = write_mix(tmp_path, textwrap.dedent(f"""\
            operations:
              "pk_lookup {table}": 30
              "range_scan {table}": 20
              "update {table}": 20
              "insert {table}": 15
              "delete {table}": 15
            """))  # fmt: skip
        out = load_json(arena(tmp_path, "load", "--engines", name, "--mix", mix, "--users", "2",
                              "--duration", "2s", "--json"))  # fmt: skip
        result = out["engines"][name]
        assert result["status"] == "ok", result
        assert result["error_count"] == 0, result["errors"]
        for kind in ("pk_lookup", "range_scan", "update", "insert"):
            assert result["operations"][f"{kind} {table}"]["count"] > 0, kind
