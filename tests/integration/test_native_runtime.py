"""Real PostgreSQL and MariaDB started by arena's native runtime, driven through the CLI."""

from __future__ import annotations

import json
import os
import pwd
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from arena import lifecycle
from arena.cli import cli
from arena.engines import get_engine
from arena.runtime.native import pid_alive

pytestmark = pytest.mark.integration


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ps_by_engine() -> dict:
    return {p["engine"]: p for p in json.loads(run("ps", "--json").output)}


def test_up_reports_real_versions_and_endpoints(project):
    result = run("up", "postgres", "mysql", "--runtime", "native", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["engine"]: r for r in json.loads(result.output)}
    assert rows["postgres"]["version"].startswith("PostgreSQL 15.")
    # MariaDB's mysqld stands in for MySQL here: the real server name is reported.
    assert rows["mysql"]["version"].startswith("MariaDB 10.")
    for row in rows.values():
        assert row["host"] == "127.0.0.1" and row["outcome"] == "started"

    table = run("up", "postgres", "--runtime", "native").output
    assert "already up" in table

    columns_rows = lifecycle.sql("postgres", "SHOW listen_addresses")
    assert columns_rows[1] == [("127.0.0.1",)]
    _, bind = lifecycle.sql("mysql", "SELECT @@bind_address, @@local_infile")
    assert bind == [("127.0.0.1", 1)]


def test_servers_run_unprivileged(project):
    assert run("up", "postgres", "mariadb", "--runtime", "native").exit_code == 0
    for name, endpoint in project.endpoints().items():
        owner = os.stat(f"/proc/{endpoint.pid}").st_uid
        if os.geteuid() == 0:
            assert owner != 0, f"{name} runs as root"
            assert pwd.getpwuid(owner).pw_name == os.environ.get("ARENA_NATIVE_USER", "nobody")


def test_sql_error_shows_the_server_message(project):
    assert run("up", "postgres", "mariadb", "--runtime", "native").exit_code == 0
    pg = run("sql", "postgres", "SELECT * FROM no_such_table")
    assert pg.exit_code == 2
    assert 'relation "no_such_table" does not exist' in pg.output
    my = run("sql", "mariadb", "SELECT * FROM no_such_table")
    assert my.exit_code == 2
    assert "Table 'arena.no_such_table' doesn't exist (1146)" in my.output


def test_crash_is_reported_and_up_restarts_it(project):
    assert run("up", "postgres", "--runtime", "native").exit_code == 0
    endpoint = project.endpoint("postgres")
    os.kill(endpoint.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid_alive(endpoint.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    status = ps_by_engine()["postgres"]
    assert status["status"] == "crashed"
    assert str(endpoint.pid) in status["detail"]
    again = run("up", "postgres", "--runtime", "native")
    assert again.exit_code == 0 and "started" in again.output
    assert ps_by_engine()["postgres"]["status"] == "up"


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_data_survives_down_and_purge_removes_it(project, engine):
    assert run("up", engine, "--runtime", "native").exit_code == 0
    assert run("sql", engine, "CREATE TABLE kept (id INT PRIMARY KEY)").exit_code == 0
    assert run("sql", engine, "INSERT INTO kept VALUES (42)").exit_code == 0
    first_pid = project.endpoint(engine).pid
    down = run("down", engine)
    assert down.exit_code == 0 and f"{engine}: stopped" in down.output
    assert not pid_alive(first_pid), "stop waits for the server to exit"
    assert ps_by_engine() == {}

    assert run("up", engine, "--runtime", "native").exit_code == 0
    assert json.loads(run("sql", engine, "SELECT id FROM kept", "--json").output) == [{"id": 42}]
    data_dir = project.endpoint(engine).data_dir
    assert run("down", engine, "--purge").exit_code == 0
    assert not os.path.exists(data_dir)


def test_stop_is_a_clean_shutdown(project):
    assert run("up", "postgres", "--runtime", "native").exit_code == 0
    endpoint = project.endpoint("postgres")
    assert run("down", "postgres").exit_code == 0
    log = Path(endpoint.data_dir, "server.log").read_text()
    assert "received fast shutdown request" in log
    assert "database system is shut down" in log


def test_second_shell_sees_the_same_engines(project):
    assert run("up", "mariadb", "--runtime", "native").exit_code == 0
    from arena.state import ProjectState

    other = ProjectState(project.root)
    endpoint = other.endpoint("mariadb")
    assert endpoint is not None
    assert get_engine("mariadb").probe(endpoint).startswith("MariaDB")


def test_session_servers_answer(any_engine):
    engine, endpoint = any_engine
    columns, rows = engine.execute(endpoint, "SELECT 1 + 1")
    assert rows == [(2,)]
