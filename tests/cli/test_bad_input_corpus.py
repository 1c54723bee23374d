"""A corpus of bad input and faults across every command, run through the real CLI in a
subprocess against real servers (issue 8).

Every row must end with exit code 2 and exactly one line on stderr ("Error: ... Hint: ..."):
no traceback, no "Internal error". And nothing already loaded or measured may be lost: after
each row the seeded table keeps its rows on every engine, the state file and the existing run
folder are byte for byte what they were (or, in a scratch project, every file under .arena/).

Where a row runs:
- "live": one project with native PostgreSQL and MariaDB and embedded SQLite up, a table
  `corpus_keep` seeded with the same rows on each, and one finished load run.
- "dead": a project whose native PostgreSQL and MariaDB were killed (SIGKILL) after it wrote
  its state: the servers are recorded as up but do not answer.
- any other name: a scratch project built by the SCRATCH function of that name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from collections.abc import Iterator

import pytest

from arena import lifecycle
from arena.engines import get_engine
from arena.state import ProjectState
from tests.cli.corpus import (
    BINARY,
    KEPT_ROWS,
    MISSING_TABLE_SEEDS,
    SCRATCH,
    STAGES,
    SUITE_MISSING_COLUMN,
    SUITE_MISSING_TABLE,
    SUITE_WRITING_INVARIANT,
    Case,
    arena_ok,
    case,
    file_hashes,
    kept_rows_of,
    run_case,
    snapshot,
    start,
    teardown,
    wait_gone,
    write_inputs,
)
from tests.conftest import make_project_dir, run_arena

# fmt: off
CASES = [
    # -- arena itself ------------------------------------------------------------------
    case("top-unknown-option", "--bogus", expect="No such option"),
    case("top-unknown-command", "pss", expect="Did you mean ps?"),
    # -- engines -----------------------------------------------------------------------
    case("engines-typo-option", "engines", "--jsn", expect="Did you mean '--json'?"),
    case("engines-extra-argument", "engines", "postgres", expect="Got unexpected extra argument"),
    # -- up ----------------------------------------------------------------------------
    case("up-no-engine", "up", expect="Missing argument"),
    case("up-unknown-engine", "up", "postgress", expect="Did you mean postgres?"),
    case("up-unknown-runtime", "up", "mysql", "--runtime", "dockr", expect="Did you mean docker?"),
    case("up-runtime-not-for-engine", "up", "sqlserver", "--runtime", "native", expect="docker"),
    case("up-port-not-a-number", "up", "mysql", "--port", "abc", expect="Invalid port 'abc'"),
    case("up-port-unknown-engine", "up", "mysql", "--port", "pg=5", expect="Unknown engine 'pg'"),
    case("up-port-ambiguous", "up", "mysql", "mariadb", "--port", "5", expect="--port ENGINE=5"),
    case("up-bad-memory", "up", "mysql", "--memory", "lots", expect="Invalid size 'lots'"),
    case("up-bad-network", "up", "mysql", "--network", "wifi", expect="'wifi' is not one of"),
    case("up-bad-cpus", "up", "mysql", "--cpus", "many", expect="'many' is not a valid float"),
    case("up-port-too-big", "up", "mysql", "--port", "99999", expect="99999", where="empty"),
    case("up-port-negative", "up", "mysql", "--port", "-1", expect="-1", where="empty"),
    case("up-port-zero", "up", "mysql", "--port", "mysql=0", expect="port", where="empty"),
    case("up-state-is-a-list", "up", "sqlite", expect="expected a JSON object", where="state_list"),
    # -- ps ----------------------------------------------------------------------------
    case("ps-unknown-option", "ps", "--bogus", expect="No such option"),
    case("ps-extra-argument", "ps", "postgres", expect="Got unexpected extra argument"),
    case("ps-state-is-a-list", "ps", expect="found a list", where="state_list"),
    case("ps-endpoints-a-string", "ps", expect="'endpoints' must be", where="state_str"),
    case("ps-endpoint-lacks-fields", "ps", expect="lacks", where="state_partial"),
    case("ps-state-not-json", "ps", expect="Cannot read", where="state_broken"),
    case("ps-state-binary", "ps", expect="Cannot read", where="state_binary"),
    case("ps-port-a-string", "ps", expect="wrong type for port", where="state_port"),
    # -- down --------------------------------------------------------------------------
    case("down-unknown-engine", "down", "postgress", expect="Did you mean postgres?"),
    case("down-unknown-option", "down", "--purg", expect="Did you mean '--purge'?"),
    case("down-purge-state-a-list", "down", "--purge", expect="found a list", where="state_list"),
    case("down-purge-state-partial", "down", "--purge", expect="lacks", where="state_partial"),
    case("down-state-unwritable", "down", "sqlite", expect="Cannot write", where="sqlite_up",
        file_size_limit=True),
    # -- logs --------------------------------------------------------------------------
    case("logs-no-engine", "logs", expect="Missing argument"),
    case("logs-unknown-engine", "logs", "postgress", expect="Did you mean postgres?"),
    case("logs-not-up", "logs", "mysql", expect="mysql is not up"),
    case("logs-tail-not-a-number", "logs", "postgres", "--tail", "x", expect="not a valid integer"),
    case("logs-tail-negative", "logs", "postgres", "--tail", "-5", expect="tail"),
    case("logs-state-endpoints-str", "logs", "postgres", expect="'endpoints'", where="state_str"),
    # -- sql ---------------------------------------------------------------------------
    case("sql-no-arguments", "sql", expect="Missing argument"),
    case("sql-no-statement", "sql", "postgres", expect="Missing argument 'STATEMENT'"),
    case("sql-unknown-engine", "sql", "postgress", "SELECT 1", expect="Did you mean postgres?"),
    case("sql-empty-engine", "sql", "", "SELECT 1", expect="Unknown engine ''"),
    case("sql-not-up", "sql", "mysql", "SELECT 1", expect="mysql is not up"),
    case("sql-syntax-postgres", "sql", "postgres", "SELEC 1", expect="PostgreSQL rejected"),
    case("sql-syntax-mariadb", "sql", "mariadb", "SELEC 1", expect="MariaDB rejected"),
    case("sql-syntax-sqlite", "sql", "sqlite", "SELEC 1", expect="SQLite rejected"),
    case("sql-missing-table", "sql", "postgres", "SELECT * FROM nope", expect='"nope" does not'),
    case("sql-empty-postgres", "sql", "postgres", "", expect="No SQL statement given"),
    case("sql-empty-mariadb", "sql", "mariadb", "  ", expect="No SQL statement given"),
    case("sql-only-comment-sqlite", "sql", "sqlite", "/* hi */ ;", expect="No SQL statement"),
    *[
        case(f"sql-two-statements-{engine}", "sql", engine, "DELETE FROM corpus_keep; SELECT 1",
             expect="runs one statement at a time")
        for engine in ("postgres", "mariadb", "sqlite")
    ],
    case("sql-drop-hidden-after-select", "sql", "postgres", "SELECT 1; DROP TABLE corpus_keep",
         expect="holds 2, so nothing was run"),
    case("sql-dead-postgres", "sql", "postgres", "SELECT 1", expect="does not answer",
         where="dead"),
    case("sql-dead-mariadb", "sql", "mariadb", "SELECT 1", expect="does not answer", where="dead"),
    case("sql-state-partial", "sql", "postgres", "SELECT 1", expect="lacks", where="state_partial"),
    # -- inspect -----------------------------------------------------------------------
    case("inspect-unknown-engine", "inspect", "postgress", expect="Did you mean postgres?"),
    case("inspect-not-up", "inspect", "mysql", expect="mysql is not up"),
    case("inspect-table-needs-value", "inspect", "--table", expect="requires an argument"),
    case("inspect-unknown-table", "inspect", "sqlite", "--table", "corpus_kep",
         expect="corpus_keep"),
    case("inspect-dead-postgres", "inspect", "postgres", expect="does not answer", where="dead"),
    case("inspect-dead-all", "inspect", expect="does not answer", where="dead"),
    case("inspect-state-a-list", "inspect", expect="found a list", where="state_list"),
    case("inspect-nothing-up", "inspect", expect="Nothing is up", where="empty"),
    # -- schema ------------------------------------------------------------------------
    case("schema-unknown-subcommand", "schema", "lst", expect="No such command"),
    case("schema-list-unknown-option", "schema", "list", "--bogus", expect="No such option"),
    case("schema-show-unknown", "schema", "show", "nope", "--engine", "postgres", expect="nope"),
    case("schema-show-no-engine", "schema", "show", "ecommerce", expect="Missing option"),
    case("schema-show-unknown-engine", "schema", "show", "ecommerce", "--engine", "postgress",
         expect="Did you mean postgres?"),
    case("schema-apply-unknown", "schema", "apply", "ecomerce", expect="Did you mean ecommerce?"),
    case("schema-apply-not-up", "schema", "apply", "ecommerce", "--engines", "mysql",
         expect="mysql is not up"),
    case("schema-apply-dead", "schema", "apply", "ecommerce", "--engines", "postgres",
         expect="does not answer", where="dead"),
    # -- seed --------------------------------------------------------------------------
    case("seed-bad-rows", "seed", "--rows", "1x", expect="Invalid row count '1x'"),
    case("seed-zero-rows", "seed", "--rows", "0", expect="must be positive"),
    case("seed-bad-seed", "seed", "--seed", "abc", expect="not a valid integer"),
    case("seed-unknown-schema", "seed", "--schema", "nope", expect="Unknown schema 'nope'"),
    case("seed-unknown-engine", "seed", "--engines", "postgress", expect="Did you mean postgres?"),
    case("seed-not-up", "seed", "--engines", "mysql", expect="mysql is not up"),
    case("seed-missing-config", "seed", "--config", "/nonexistent.yaml", expect="Cannot read"),
    case("seed-rows-cannot-fit", "seed", "--engines", "sqlite", "--tables", "corpus_keep",
         "--rows", "1000b", expect="rows", where="sqlite_table", timeout=30),
    case("seed-binary-config", "seed", "--config", BINARY, expect=BINARY),
    case("seed-config-names-missing-table", "seed", "--engines", "sqlite", "--config",
         MISSING_TABLE_SEEDS, expect="corpus_kept", where="sqlite_table"),
    case("seed-dead", "seed", "--engines", "postgres", "--rows", "100", expect="does not answer",
         where="dead"),
    # -- load --------------------------------------------------------------------------
    case("load-zero-duration", "load", "--duration", "0", expect="must be positive"),
    case("load-bad-duration", "load", "--duration", "5x", expect="Invalid duration '5x'"),
    case("load-zero-users", "load", "--users", "0", expect="Invalid user count '0'"),
    case("load-unknown-shape", "load", "--shape", "nope", expect="Unknown shape 'nope'"),
    case("load-unknown-pattern", "load", "--pattern", "nope", expect="Unknown pattern 'nope'"),
    case("load-unknown-engine", "load", "--engines", "postgress", expect="Did you mean postgres?"),
    case("load-bad-tps", "load", "--tps", "abc", expect="Invalid --tps rate"),
    case("load-unknown-arrival", "load", "--tps", "10", "--arrival", "x", expect="Unknown arrival"),
    case("load-missing-mix", "load", "--mix", "/nonexistent.yaml", expect="not found"),
    case("load-engines-only-comma", "load", "--engines", ",", "--duration", "1s",
         expect="engine", where="sqlite_table"),
    case("load-negative-spawn-rate", "load", "--engines", "sqlite", "--spawn-rate", "-1",
         "--duration", "1s", expect="spawn-rate", where="sqlite_table"),
    case("load-binary-mix", "load", "--engines", "sqlite", "--mix", BINARY, expect=BINARY,
         where="sqlite_table"),
    # --stages alone implies --shape stages; with another shape it is a contradiction.
    case("load-stages-with-another-shape", "load", "--engines", "sqlite", "--shape", "ramp",
         "--stages", STAGES, "--duration", "1s", expect="stages", where="sqlite_table"),
    case("load-nothing-up", "load", "--duration", "1s", expect="Nothing is up", where="empty"),
    # -- report ------------------------------------------------------------------------
    case("report-unknown-run", "report", "load-nope", expect="Unknown run 'load-nope'"),
    case("report-unknown-option", "report", "--bogus", expect="No such option"),
    case("report-no-runs", "report", expect="No load results", where="empty"),
    case("report-corrupt-summary", "report", expect="summary.json", where="run_bad_summary"),
    case("report-empty-run-json", "report", expect="it is empty", where="run_empty"),
    case("report-run-json-a-list", "report", expect="expected a JSON object", where="run_list"),
    case("report-summary-wrong-shape", "report", expect="cannot read", where="run_wrong_summary"),
    case("report-corrupt-json-output", "report", "--json", expect="summary.json",
         where="run_bad_summary"),
    case("report-corrupt-csv", "report", "--csv", expect="it is empty", where="run_empty"),
    case("report-hand-edited-number", "report", expect="cannot show", where="run_bad_number"),
    case("report-operations-hand-edited", "report", "--operations", expect="cannot show",
         where="run_bad_operations"),
    # -- run ---------------------------------------------------------------------------
    case("run-unknown-suite", "run", "isolaton", expect="Did you mean isolation?"),
    case("run-level-the-engine-lacks", "run", "isolation", "--engines", "sqlite", "--levels",
         "read-committed", expect="SQLite offers: SERIALIZABLE"),
    case("run-nothing-up", "run", "isolation", expect="Nothing is up", where="empty"),
    case("run-dead", "run", "deadlocks", "--engines", "postgres", expect="does not answer",
         where="dead"),
    # -- run: scenario suites ------------------------------------------------------------
    case("run-unknown-scenario-suite", "run", "ecommerc", expect="Did you mean ecommerce?"),
    case("run-unknown-workflow", "run", "finance", "--workflows", "transfr",
         expect="Did you mean transfer?"),
    case("run-suite-missing-table", "run", SUITE_MISSING_TABLE, "--engines", "sqlite",
         expect="table 'corpus_gone' does not exist"),
    case("run-suite-missing-column", "run", SUITE_MISSING_COLUMN, "--engines", "sqlite",
         expect="column 'nope' does not exist in table 'corpus_keep'"),
    case("run-suite-invariant-not-select", "run", SUITE_WRITING_INVARIANT,
         expect="an invariant must be a SELECT"),
    case("run-suite-isolation-the-engine-lacks", "run", "finance", "--engines", "sqlite",
         "--isolation", "read-committed", expect="SQLite offers: SERIALIZABLE"),
    case("run-suite-schema-empty", "run", "finance", "--engines", "sqlite",
         expect="arena seed --schema finance", where="sqlite_finance_empty"),
    case("run-suite-deterministic-many-users", "run", "finance", "--deterministic", "--users",
         "4", expect="--deterministic runs one user"),
    # -- bench -------------------------------------------------------------------------
    case("bench-unknown-category", "bench", "joinz", expect="Did you mean joins?"),
    case("bench-bad-scale", "bench", "query", "--scales", "1x", expect="Invalid scale '1x'"),
    case("bench-iterations-and-duration", "bench", "query", "--iterations", "5", "--duration",
         "1s", expect="exclude each other"),
    case("bench-zero-repeats", "bench", "query", "--repeats", "0", expect="--repeats"),
    case("bench-nothing-up", "bench", "query", expect="Nothing is up", where="empty"),
    # -- history: baseline, compare, history, html --------------------------------------
    case("baseline-no-runs", "baseline", "set", expect="No runs recorded", where="empty"),
    case("baseline-unknown-run", "baseline", "set", "load-nope", expect="Unknown run 'load-nope'"),
    case("compare-no-runs", "compare", expect="No runs recorded", where="empty"),
    case("compare-unknown-run", "compare", "load-nope", expect="Unknown baseline or run"),
    case("compare-bad-threshold", "compare", "--threshold", "abc",
         expect="Invalid threshold 'abc'"),
    case("history-unknown-metric", "history", "--trend", "nope", expect="Unknown metric 'nope'"),
    case("html-unknown-run", "html", "load-nope", expect="Unknown run 'load-nope'"),
    case("html-no-runs", "html", expect="No runs recorded", where="empty"),
    # -- worker ------------------------------------------------------------------------
    case("worker-no-master", "worker", expect="Missing option '--master'"),
    case("worker-bad-port", "worker", "--master", "x", "--master-port", "abc",
         expect="not a valid"),
    case("load-master-port-out-of-range", "load", "--engines", "sqlite", "--workers", "2",
         "--master-port", "70000", expect="70000", where="sqlite_table"),
    case("worker-without-token", "worker", "--master", "127.0.0.1", expect="needs the run's token"),
    case("worker-port-out-of-range", "worker", "--master", "127.0.0.1", "--master-port", "99999",
         "--token", "t0k3n", expect="99999", timeout=20),
    case("worker-master-not-answering", "worker", "--master", "127.0.0.1", "--master-port",
         "CLOSED", "--token", "t0k3n", "--timeout", "3s", expect="No load master accepted",
         timeout=60),
]
# fmt: on


def test_the_corpus_is_big_and_covers_every_command():
    from arena.cli import COMMANDS

    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    covered = {c.args[0] for c in CASES if c.args and not c.args[0].startswith("-")}
    assert set(COMMANDS) <= covered, set(COMMANDS) - covered


@pytest.fixture(scope="module")
def live() -> Iterator[ProjectState]:
    state = ProjectState(make_project_dir("arena-corpus-"))
    start(state, ["postgres", "mariadb"])
    try:
        write_inputs(state.root)
        for name in ("postgres", "mariadb", "sqlite"):
            get_engine(name).execute(
                state.endpoint(name),
                "CREATE TABLE corpus_keep (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL)",
            )
        arena_ok(state.root, "seed", "--tables", "corpus_keep", "--rows", str(KEPT_ROWS))
        arena_ok(state.root, "load", "--engines", "sqlite", "--duration", "1s", "--users", "1")
        yield state
    finally:
        teardown(state)


@pytest.fixture(scope="module")
def kept_rows(live: ProjectState) -> dict[str, int]:
    """corpus_keep's row count on each engine once the fixture's own load has run."""
    counts = kept_rows_of(live)
    assert set(counts) == {"postgres", "mariadb", "sqlite"} and min(counts.values()) > 0
    return counts


@pytest.fixture(scope="module")
def dead() -> Iterator[ProjectState]:
    state = ProjectState(make_project_dir("arena-corpus-dead-"))
    start(state, ["postgres", "mariadb"], sqlite=False)
    try:
        write_inputs(state.root)
        for endpoint in state.endpoints().values():
            os.kill(endpoint.pid, signal.SIGKILL)
        for endpoint in state.endpoints().values():
            wait_gone(endpoint.pid)
        yield state
    finally:
        teardown(state)


@pytest.mark.integration
@pytest.mark.parametrize("c", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_input(c: Case, request: pytest.FixtureRequest) -> None:
    live_state: ProjectState = request.getfixturevalue("live")
    scratch = None
    if c.where == "live":
        state = live_state
    elif c.where == "dead":
        state = request.getfixturevalue("dead")
    else:
        scratch = make_project_dir("arena-corpus-scratch-")
        state = ProjectState(scratch)
    try:
        if scratch is not None:
            write_inputs(scratch)
            SCRATCH[c.where](scratch, live_state)
        before = snapshot(c.where, state)
        done = run_case(c, state.root)
        after = snapshot(c.where, state)
    finally:
        if scratch is not None:
            with contextlib.suppress(Exception):  # a broken state file stays broken
                lifecycle.down(purge=True, state=state)  # whatever a wrong success started
            shutil.rmtree(scratch, ignore_errors=True)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert len(lines) == 1, done.stderr[-2000:]
    line = lines[0]
    assert "Traceback" not in done.stderr and "Internal error" not in line
    assert line.startswith("Error: ") and " Hint: " in line, line
    assert c.expect.lower() in line.lower(), line
    assert after == before, "bad input changed what was already there"
    if c.where == "live":
        assert after["rows"] == request.getfixturevalue("kept_rows")
    if state.dir.exists():
        assert not list(state.dir.glob("*.tmp")), "a failed write left its temporary file"


@pytest.mark.integration
def test_report_list_names_corrupt_runs_and_lists_the_others(live: ProjectState) -> None:
    root = make_project_dir("arena-corpus-scratch-")
    try:
        run = min((live.dir / "results").iterdir())
        results = root / ".arena" / "results"
        shutil.copytree(run, results / run.name)
        shutil.copytree(run, results / "load-broken")
        (results / "load-broken" / "run.json").write_text("")
        before = file_hashes(root / ".arena")
        done = run_arena(root, "report", "--list")
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == [run.name]
        assert done.stderr.strip() == (
            "Warning: skipped load-broken: Cannot read run.json of run load-broken: it is empty."
        )
        as_json = run_arena(root, "report", "--list", "--json")
        assert json.loads(as_json.stdout) == [run.name]
        assert file_hashes(root / ".arena") == before
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.integration
def test_an_interrupted_run_with_a_cut_snapshot_still_reports(live: ProjectState) -> None:
    # No summary.json (the run never finished) and a per-engine snapshot cut short: the
    # report names the unreadable file for that engine instead of failing the whole run.
    root = make_project_dir("arena-corpus-scratch-")
    try:
        run = min((live.dir / "results").iterdir())
        copy = root / ".arena" / "results" / run.name
        shutil.copytree(run, copy)
        (copy / "summary.json").unlink()
        (copy / "sqlite.json").write_text('{"stat')
        done = run_arena(root, "report", "--csv")
        assert done.returncode == 0, done.stderr
        rows = [line.split(",") for line in done.stdout.splitlines()]
        assert rows[1][:4] == ["sqlite", rows[1][1], "embedded", "unreadable sqlite.json"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
