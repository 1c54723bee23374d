"""Faults around the servers arena starts, on real servers: a lost state file, a recorded pid
that is no longer the server, a foreign path in the state, a failed first start, a project
under a private directory, bad --port/--tail values."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from arena import lifecycle
from arena.engines import get_engine
from arena.errors import ArenaError
from arena.runtime.native import NativeRuntime, pid_alive
from arena.state import ProjectState
from tests.conftest import run_arena

pytestmark = pytest.mark.integration


def ps_rows(root: Path) -> dict:
    result = run_arena(root, "ps", "--json")
    assert result.returncode == 0, result.stderr
    return {r["engine"]: r for r in json.loads(result.stdout)}


def edit_endpoint(state: ProjectState, engine: str, **changes) -> dict:
    """Change fields of a recorded endpoint by hand; returns the original to restore."""
    with state.locked() as data:
        original = dict(data["endpoints"][engine])
        data["endpoints"][engine].update(changes)
    return original


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_native_servers_are_found_without_the_state_file(project):
    assert (
        run_arena(project.root, "up", "postgres", "mariadb", "--runtime", "native").returncode == 0
    )
    assert run_arena(project.root, "sql", "mariadb", "CREATE TABLE kept (id INT)").returncode == 0
    assert run_arena(project.root, "sql", "mariadb", "INSERT INTO kept VALUES (7)").returncode == 0
    pids = {name: ep.pid for name, ep in project.endpoints().items()}
    homes = {name: ep.data_dir for name, ep in project.endpoints().items()}
    project.file.unlink()

    rows = ps_rows(project.root)
    assert {n: (r["status"], r["runtime"], r["pid"]) for n, r in rows.items()} == {
        name: ("up", "native", pid) for name, pid in pids.items()
    }
    # Re-adopted with the password kept beside the data: other commands log in again.
    kept = run_arena(project.root, "sql", "mariadb", "SELECT id FROM kept", "--json")
    assert json.loads(kept.stdout) == [{"id": 7}]
    again = run_arena(project.root, "up", "mariadb", "--runtime", "native")
    assert again.returncode == 0 and "already up" in again.stdout

    # Purge stops each server before deleting its data.
    project.file.unlink()
    purge = run_arena(project.root, "down", "--purge")
    assert purge.returncode == 0, purge.stderr
    for name, pid in pids.items():
        assert not pid_alive(pid), f"{name} still runs"
        assert not os.path.exists(homes[name])


def test_purge_never_deletes_a_running_servers_data(project):
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    endpoint = project.endpoint("postgres")
    with pytest.raises(ArenaError, match="still runs"):
        NativeRuntime(project).purge_leftovers("postgres")
    assert Path(endpoint.data_dir, "data", "PG_VERSION").exists()
    assert get_engine("postgres").probe(endpoint).startswith("PostgreSQL")


def test_purge_refuses_a_path_outside_the_data_root(project):
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    foreign = Path(tempfile.mkdtemp(prefix="arena-foreign-"))
    (foreign / "precious.txt").write_text("not arena's")
    original = edit_endpoint(project, "postgres", data_dir=str(foreign))
    try:
        result = run_arena(project.root, "down", "postgres", "--purge")
        assert result.returncode == 2
        assert "Refusing to delete" in result.stdout + result.stderr
        assert (foreign / "precious.txt").read_text() == "not arena's"
        assert pid_alive(original["pid"]), "nothing was signalled before the refusal"
    finally:
        shutil.rmtree(foreign, ignore_errors=True)
        with project.locked() as data:
            data["endpoints"]["postgres"] = original


def test_only_the_verified_server_is_signalled(project):
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    server_pid = project.endpoint("postgres").pid
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        edit_endpoint(project, "postgres", pid=bystander.pid)
        assert run_arena(project.root, "down", "postgres").returncode == 0
        assert bystander.poll() is None, "arena signalled a process that is not its server"
        # The server itself was found from its data directory's record and stopped.
        deadline = time.monotonic() + 30
        while pid_alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not pid_alive(server_pid)
    finally:
        bystander.kill()
        bystander.wait()


def test_process_identity_checks_executable_data_dir_and_start_time(project):
    from arena.runtime.process import ServerProcess

    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    endpoint = project.endpoint("postgres")
    real = ServerProcess.from_record(endpoint.pid, endpoint.extra)
    assert real is not None and real.is_live()
    wrong = {
        "start time": {**endpoint.extra, "proc_start": endpoint.extra["proc_start"] + 1},
        "executable": {**endpoint.extra, "exe": "/usr/bin/sleep"},
        "data dir": {**endpoint.extra, "data_dir": "/var/lib/elsewhere"},
    }
    for what, extra in wrong.items():
        candidate = ServerProcess.from_record(endpoint.pid, extra)
        assert candidate is not None and not candidate.is_live(), what
        assert not candidate.signal(0), what


def test_a_failed_first_mariadb_start_is_redone(project, monkeypatch):
    engine_cls = type(get_engine("mariadb"))
    # The first start's readiness wait gives up at once (as a slow machine or a kill would).
    monkeypatch.setattr(engine_cls, "start_timeout", 0.0)
    [first] = lifecycle.up(["mariadb"], "native", state=project)
    assert first.outcome == "failed"
    monkeypatch.setattr(engine_cls, "start_timeout", 30.0)
    began = time.monotonic()
    [second] = lifecycle.up(["mariadb"], "native", state=project)
    assert second.outcome == "started", second.error and second.error.one_line()
    assert time.monotonic() - began < 30
    assert get_engine("mariadb").probe(second.endpoint).startswith("MariaDB")


def test_an_initialisation_that_fails_leaves_no_data_dir(project, monkeypatch):
    import arena.engines.mysql as mysql_module

    def fail(cursor):
        raise ArenaError("injected failure while securing accounts")

    monkeypatch.setattr(mysql_module, "drop_open_accounts", fail)
    [first] = lifecycle.up(["mariadb"], "native", state=project)
    assert first.outcome == "failed" and "injected" in first.error.message
    home = NativeRuntime(project).home("mariadb")
    assert not (home / "data").exists() and not (home / "data.init").exists()
    assert not (home / "arena-server.json").exists()
    monkeypatch.undo()
    [second] = lifecycle.up(["mariadb"], "native", state=project)
    assert second.outcome == "started", second.error and second.error.one_line()


def test_a_project_under_a_private_directory_runs_native_servers():
    parent = Path(tempfile.mkdtemp(prefix="arena-private-"))  # 0700, like /root
    assert stat.S_IMODE(parent.stat().st_mode) == 0o700
    root = parent / "project"
    root.mkdir()
    state = ProjectState(root)
    try:
        result = run_arena(root, "up", "postgres", "mariadb", "--runtime", "native")
        assert result.returncode == 0, result.stderr
        from arena.runtime.native import data_root

        for name, endpoint in state.endpoints().items():
            home = Path(endpoint.data_dir)
            assert home.parent == data_root(state) and not home.is_relative_to(root)
            assert stat.S_IMODE(home.stat().st_mode) == 0o700
            if os.geteuid() == 0:
                server_user = os.environ.get("ARENA_NATIVE_USER", "nobody")
                assert home.stat().st_uid == pwd.getpwnam(server_user).pw_uid
            assert not (home / "pwfile").exists(), f"{name} left its password file"
            assert run_arena(root, "sql", name, "SELECT 1 AS one").returncode == 0
        homes = [Path(e.data_dir) for e in state.endpoints().values()]
        assert run_arena(root, "down", "--purge").returncode == 0
        assert not any(h.exists() for h in homes)
        assert not data_root(state).exists()
    finally:
        lifecycle.down(purge=True, state=state)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.parametrize("port", ["0", "99999", "-1", "65536", "abc"])
def test_invalid_ports_are_refused(project, port):
    line = one_line_error(run_arena(project.root, "up", "postgres", "--port", f"postgres={port}"))
    assert f"Invalid port '{port}'" in line and "1 to 65535" in line
    assert project.endpoints() == {}


def test_logs_tail_counts(project):
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    assert run_arena(project.root, "logs", "postgres", "--tail", "0").stdout == ""
    three = run_arena(project.root, "logs", "postgres", "--tail", "3").stdout
    assert len(three.splitlines()) == 3
    assert "Invalid --tail -5" in one_line_error(
        run_arena(project.root, "logs", "postgres", "--tail", "-5")
    )


def test_options_an_engine_already_up_does_not_take_are_named(project):
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    port = project.endpoint("postgres").port
    other = 1 + (port % 60000) + 1024
    again = run_arena(project.root, "up", "postgres", "--port", f"postgres={other}")
    assert again.returncode == 0 and "already up" in again.stdout
    assert f"not applied: --port {other} (it listens on {port})" in again.stderr
    assert project.endpoint("postgres").port == port


@pytest.mark.docker
def test_docker_data_is_reachable_after_the_state_file_is_lost(project):
    assert run_arena(project.root, "up", "postgres", "--runtime", "docker").returncode == 0
    assert run_arena(project.root, "sql", "postgres", "CREATE TABLE kept (id int)").returncode == 0
    assert (
        run_arena(project.root, "sql", "postgres", "INSERT INTO kept VALUES (42)").returncode == 0
    )
    assert run_arena(project.root, "down", "postgres").returncode == 0  # container gone
    project.file.unlink()  # and the password with it
    again = run_arena(project.root, "up", "postgres", "--runtime", "docker")
    assert again.returncode == 0, again.stderr
    kept = run_arena(project.root, "sql", "postgres", "SELECT id FROM kept", "--json")
    assert json.loads(kept.stdout) == [{"id": 42}]


def test_data_of_an_earlier_layout_is_moved_not_lost(project):
    """Earlier arena versions kept native data in .arena/native/<engine>/data."""
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    assert run_arena(project.root, "sql", "postgres", "CREATE TABLE kept (id int)").returncode == 0
    assert run_arena(project.root, "sql", "postgres", "INSERT INTO kept VALUES (5)").returncode == 0
    home = Path(project.endpoint("postgres").data_dir)
    assert run_arena(project.root, "down", "postgres").returncode == 0
    legacy = project.dir / "native" / "postgres"
    legacy.mkdir(parents=True)
    shutil.move(str(home / "data"), str(legacy / "data"))
    (home / "arena-secret").unlink()  # earlier versions kept the password in state.json only
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    kept = run_arena(project.root, "sql", "postgres", "SELECT id FROM kept", "--json")
    assert json.loads(kept.stdout) == [{"id": 5}]
    assert not legacy.exists()
