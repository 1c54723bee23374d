"""The CLI through CliRunner: help everywhere, one-line errors with exit 2, JSON output."""

from __future__ import annotations

import json
import os
import socket

import click
import pytest
from click.testing import CliRunner

from arena import __version__
from arena.cli import COMMANDS, cli
from arena.errors import UnknownNameError
from tests.conftest import run_arena


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_version(runner):
    result = invoke(runner, "--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_every_command_has_help(runner):
    top = invoke(runner, "--help")
    assert top.exit_code == 0
    listed = cli.list_commands(None)
    assert {"engines", "up", "ps", "down", "sql", "logs"} <= set(listed)
    for name in listed:
        for flag in ("-h", "--help"):
            result = invoke(runner, name, flag)
            assert result.exit_code == 0, name
            assert "Usage:" in result.output
        assert cli.get_command(None, name).help, f"{name} has no help text"
    assert set(listed) <= set(COMMANDS)


def test_unknown_command_suggests(runner, project):
    result = invoke(runner, "pss")
    assert result.exit_code == 2
    assert "Did you mean ps?" in result.output


def test_engines_lists_runtimes(runner, project):
    result = invoke(runner, "engines", "--json")
    assert result.exit_code == 0
    rows = {r["engine"]: r for r in json.loads(result.output)}
    assert rows["sqlite"]["runtimes"] == {"embedded": "yes"}
    assert rows["postgres"]["runtimes"]["native"] == "yes"  # CI installs the binaries
    assert rows["mariadb"]["runtimes"]["native"] == "yes"
    assert rows["sqlserver"]["runtimes"].keys() == {"docker"}


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert "Hint:" in lines[0]
    return lines[0]


def test_unknown_engine(runner, project):
    line = _one_line_error(invoke(runner, "up", "postgress"))
    assert "Unknown engine 'postgress'. Did you mean postgres?" in line
    assert not (project.dir / "state.json").exists(), "nothing starts on bad input"


def test_unknown_runtime(runner, project):
    line = _one_line_error(invoke(runner, "up", "postgres", "--runtime", "dockr"))
    assert "Unknown runtime 'dockr'. Did you mean docker?" in line


def test_engine_without_that_runtime(runner, project):
    line = _one_line_error(invoke(runner, "up", "sqlserver", "--runtime", "native"))
    assert "SQL Server" in line and "docker" in line


def test_sql_on_engine_that_is_not_up(runner, project):
    line = _one_line_error(invoke(runner, "sql", "postgres", "SELECT 1"))
    assert "postgres is not up" in line and "arena up postgres" in line


def test_down_with_nothing_up(runner, project):
    result = invoke(runner, "down")
    assert result.exit_code == 0
    assert "Nothing is up" in result.output


def test_ps_with_nothing_up(runner, project):
    result = invoke(runner, "ps", "--json")
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_report_without_results(runner, project):
    line = _one_line_error(invoke(runner, "report"))
    assert "No runs in this project yet" in line and "arena load" in line
    listing = invoke(runner, "report", "--list")
    assert listing.exit_code == 0 and "No runs recorded yet" in listing.output


def test_state_dir_not_writable(runner, project):
    (project.root / ".arena").write_text("a file where the directory should be")
    line = _one_line_error(invoke(runner, "up", "sqlite"))
    assert "Cannot write arena's state directory" in line


def test_port_in_use(runner, project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_line_error(
            invoke(runner, "up", "postgres", "--runtime", "native", "--port", str(port))
        )
    assert f"Port {port} on 127.0.0.1 is already in use" in line


def test_ambiguous_per_engine_option(runner, project):
    line = _one_line_error(invoke(runner, "up", "postgres", "mariadb", "--port", "5433"))
    assert "--port ENGINE=5433" in line


def test_sqlite_lifecycle(runner, project):
    result = invoke(runner, "up", "sqlite")
    assert result.exit_code == 0 and "SQLite 3." in result.output and "started" in result.output
    again = invoke(runner, "up", "sqlite")
    assert "already up" in again.output
    assert invoke(runner, "sql", "sqlite", "CREATE TABLE t (a INTEGER, b TEXT)").exit_code == 0
    assert invoke(runner, "sql", "sqlite", "INSERT INTO t VALUES (1, 'x'), (2, 'y')").exit_code == 0
    rows = json.loads(
        invoke(runner, "sql", "sqlite", "SELECT a, b FROM t ORDER BY a", "--json").output
    )
    assert rows == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    bad = _one_line_error(invoke(runner, "sql", "sqlite", "SELEC 1"))
    assert 'near "SELEC": syntax error' in bad
    ps = json.loads(invoke(runner, "ps", "--json").output)
    assert [(p["engine"], p["status"]) for p in ps] == [("sqlite", "up")]
    assert "password" not in ps[0]
    db_file = ps[0]["path"]
    assert oct(os.stat(db_file).st_mode & 0o777) == "0o600"
    down = invoke(runner, "down", "--purge")
    assert "sqlite: removed" in down.output
    assert not os.path.exists(db_file)


def test_debug_shows_the_traceback(runner, project):
    # Without --debug the same input is one line and exit 2 (a SystemExit in CliRunner), so
    # "some exception, exit != 0" would pass with --debug ignored: ask for the error itself.
    plain = runner.invoke(cli, ["up", "postgress"])
    assert plain.exit_code == 2 and isinstance(plain.exception, SystemExit)
    result = runner.invoke(cli, ["--debug", "up", "postgress"])
    assert isinstance(result.exception, UnknownNameError), repr(result.exception)
    assert result.exit_code == 1
    assert "Unknown engine 'postgress'" not in result.output  # raised, not printed as a line


@pytest.mark.parametrize("how", [("--debug",), ()])
def test_debug_traceback_in_a_real_process(project, how, monkeypatch):
    if not how:
        monkeypatch.setenv("ARENA_DEBUG", "1")
    done = run_arena(project.root, *how, "up", "postgress")
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("Traceback (most recent call last):"), done.stderr
    assert "arena.errors.UnknownNameError: Unknown engine 'postgress'." in done.stderr


def test_supabase_in_docker_shows_its_two_endpoints():
    # Rendering only: the supabase/postgres and PostgREST images cannot run here.
    from arena.cli.lifecycle import _endpoint_rows
    from arena.models import Endpoint

    ep = Endpoint(
        "supabase", "docker", "127.0.0.1", 5433, "postgres", "postgres", "pw",
        version="PostgreSQL 15.8",
        extra={"endpoints": {"supabase-db": "127.0.0.1:5433", "supabase-rest": "http://127.0.0.1:3000"}},
    )  # fmt: skip
    rows = list(_endpoint_rows([(ep, "up")]))
    assert rows == [
        (
            "supabase-db",
            "docker",
            "PostgreSQL 15.8",
            "127.0.0.1:5433",
            "postgres",
            "postgres",
            "-",  # no settings asked
            "up",
        ),
        ("supabase-rest", "docker", "PostgREST", "http://127.0.0.1:3000", "-", "-", "-", "up"),
    ]


@click.command()
@click.argument("what")
def _failing(what: str) -> None:
    """Raises what it is told to: stands in for a command meeting the environment or a bug."""
    if what == "disk":
        raise OSError(28, "No space left on device", "/somewhere/state.tmp")
    raise ZeroDivisionError("a bug")


@pytest.fixture
def failing_command(monkeypatch):
    monkeypatch.setitem(COMMANDS, "failing", "tests.cli.test_cli:_failing")


def test_a_file_the_machine_refuses_is_one_line_exit_2(runner, failing_command):
    line = _one_line_error(runner.invoke(cli, ["failing", "disk"]))
    assert line == (
        "Error: Cannot use /somewhere/state.tmp: No space left on device. "
        "Hint: Check the path, its permissions and the free disk space."
    )


def test_only_a_bug_is_an_internal_error(runner, failing_command):
    result = runner.invoke(cli, ["failing", "bug"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Internal error: ZeroDivisionError: a bug Hint:")
    debug = runner.invoke(cli, ["--debug", "failing", "disk"])
    assert isinstance(debug.exception, OSError)


def test_click_usage_errors_are_one_line(runner, project):
    line = _one_line_error(runner.invoke(cli, ["sql"]))
    assert line == "Error: Missing argument 'INSTANCE'. Hint: `arena sql --help` shows the usage."
    line = _one_line_error(runner.invoke(cli, ["ps", "--jsn"]))
    assert "No such option '--jsn'. Did you mean '--json'?" in line
