"""What the bad-input corpus (test_bad_input_corpus.py) runs in: the rows' shape, the
projects it builds, the snapshot of what must not be lost, and the subprocess it runs."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arena import lifecycle
from arena.engines import get_engine
from arena.state import ProjectState
from tests.conftest import run_arena

KEPT_ROWS = 50


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    expect: str  # the one line contains this (case-insensitive)
    where: str = "live"
    timeout: float = 120
    file_size_limit: bool = False  # run with RLIMIT_FSIZE 0: every file write fails (disk full)


def case(id: str, *args: str, expect: str, where: str = "live", **kw) -> Case:
    return Case(id, args, expect, where, **kw)


BINARY = "binary.dat"  # written into each project: bytes that are not UTF-8 text
STAGES = "stages.yaml"  # a valid stages file, for --stages without --shape stages
MISSING_TABLE_SEEDS = "missing-table.yaml"  # a seeds config naming a table that is not there
# Scenario suites (arena run FILE): a step naming a missing table, one naming a missing
# column of a real table, an invariant that writes.
SUITE_MISSING_TABLE = "suite-missing-table.yaml"
SUITE_MISSING_COLUMN = "suite-missing-column.yaml"
SUITE_WRITING_INVARIANT = "suite-writing-invariant.yaml"


# -- projects ---------------------------------------------------------------------------
def write_inputs(root: Path) -> None:
    (root / BINARY).write_bytes(bytes(range(256)) * 4)
    (root / STAGES).write_text("- {duration: 1s, users: 1}\n")
    (root / MISSING_TABLE_SEEDS).write_text("tables:\n  corpus_kept:\n    rows: 10\n")
    step = "workflows:\n  w:\n    steps:\n      - {}\n"
    (root / SUITE_MISSING_TABLE).write_text(step.format("SELECT id FROM corpus_gone"))
    (root / SUITE_MISSING_COLUMN).write_text(step.format("SELECT nope FROM corpus_keep"))
    (root / SUITE_WRITING_INVARIANT).write_text(
        step.format("SELECT id FROM corpus_keep") + "invariants:\n  i: DELETE FROM corpus_keep\n"
    )


def start(state: ProjectState, native: list[str], sqlite: bool = True) -> None:
    results = lifecycle.up(native, "native", state=state) if native else []
    if sqlite:
        results += lifecycle.up(["sqlite"], "embedded", state=state)
    failed = [r for r in results if r.error]
    if failed:
        lifecycle.down(purge=True, state=state)
        raise failed[0].error


def teardown(state: ProjectState) -> None:
    try:
        lifecycle.down(purge=True, state=state)
    finally:
        shutil.rmtree(state.root, ignore_errors=True)


def arena_ok(root: Path, *args: str) -> subprocess.CompletedProcess:
    done = run_arena(root, *args)
    assert done.returncode == 0, f"arena {' '.join(args)}: {done.stderr}"
    return done


def wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


# Scratch projects: each builds a small project in `root`, given the live one to copy from.
def _state(text: str | bytes) -> Callable[[Path, ProjectState], None]:
    def build(root: Path, live: ProjectState) -> None:
        arena = root / ".arena"
        arena.mkdir(mode=0o711)
        data = text.encode() if isinstance(text, str) else text
        (arena / "state.json").write_bytes(data)
        # A data directory that must survive whatever the command does with broken state.
        precious = arena / "native" / "postgres"
        precious.mkdir(parents=True)
        (precious / "PG_VERSION").write_text("15\n")

    return build


def _run_folder(change: Callable[[Path], None]) -> Callable[[Path, ProjectState], None]:
    def build(root: Path, live: ProjectState) -> None:
        run = min((live.dir / "results").iterdir())  # the run the live fixture made
        copy = root / ".arena" / "results" / run.name
        shutil.copytree(run, copy)
        change(copy)

    return build


def _sqlite_up(root: Path, live: ProjectState) -> None:
    start(ProjectState(root), [], sqlite=True)


def _sqlite_finance_empty(root: Path, live: ProjectState) -> None:
    """SQLite up with the finance domain's tables, and no rows in them."""
    from arena import domains

    state = ProjectState(root)
    start(state, [], sqlite=True)
    domains.apply("finance", get_engine("sqlite"), state.endpoint("sqlite"))


def _sqlite_table(root: Path, live: ProjectState) -> None:
    """SQLite up with a filled table: for rows that, unfixed, would load or seed it."""
    state = ProjectState(root)
    start(state, [], sqlite=True)
    engine, endpoint = get_engine("sqlite"), state.endpoint("sqlite")
    engine.execute(endpoint, "CREATE TABLE corpus_keep (id INTEGER PRIMARY KEY, label TEXT)")
    values = ", ".join(f"({i}, 'row {i}')" for i in range(1, KEPT_ROWS + 1))
    engine.execute(endpoint, f"INSERT INTO corpus_keep VALUES {values}")


PARTIAL = {"endpoints": {"postgres": {"engine": "postgres", "runtime": "native"}}}
PORT_STRING = {
    "endpoints": {
         "postgres": {
            "engine": "postgres", "runtime": "native", "host": "127.0.0.1", "port": "5432",
            "database": "arena", "user": "arena", "password": "x",
        }
    }
}  # fmt: skip


def _edit_summary(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(run: Path) -> None:
        summary = json.loads((run / "summary.json").read_text())
        change(summary["sqlite"])
        (run / "summary.json").write_text(json.dumps(summary))

    return edit


SCRATCH: dict[str, Callable[[Path, ProjectState], None]] = {
    "empty": lambda root, live: None,
    "state_list": _state("[1, 2, 3]"),
    "state_str": _state('{"endpoints": "x"}'),
    "state_partial": _state(json.dumps(PARTIAL)),
    "state_broken": _state("{"),
    "state_binary": _state(b"\xff\xfe\x00"),
    "state_port": _state(json.dumps(PORT_STRING)),
    "sqlite_up": _sqlite_up,
    "sqlite_table": _sqlite_table,
    "sqlite_finance_empty": _sqlite_finance_empty,
    "run_bad_summary": _run_folder(lambda p: (p / "summary.json").write_text("{")),
    "run_empty": _run_folder(lambda p: (p / "run.json").write_text("")),
    "run_list": _run_folder(lambda p: (p / "run.json").write_text("[1]")),
    "run_wrong_summary": _run_folder(lambda p: (p / "summary.json").write_text('{"sqlite": 1}')),
    "run_bad_number": _run_folder(_edit_summary(lambda e: e["overall"].update(count="many"))),
    "run_bad_operations": _run_folder(_edit_summary(lambda e: e.update(operations=[1]))),
}


# -- what must not be lost -------------------------------------------------------------
def file_hashes(root: Path) -> dict[str, str]:
    """Every file under root (the lock excepted) -> a hash of its bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != "state.lock":
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def kept_rows_of(state: ProjectState) -> dict[str, int]:
    counts = {}
    for name, endpoint in state.endpoints().items():
        _, rows = get_engine(name).execute(endpoint, "SELECT COUNT(*) FROM corpus_keep")
        counts[name] = rows[0][0]
    return counts


def snapshot(where: str, state: ProjectState) -> dict:
    if where == "live":
        return {
            "rows": kept_rows_of(state),
            "results": file_hashes(state.dir / "results"),
            "state": state.file.read_bytes(),
        }
    if where == "dead":  # data dirs of the killed servers, and what state says about them
        dirs = {
            name: sorted(p.name for p in Path(endpoint.data_dir).iterdir())
            for name, endpoint in state.endpoints().items()
        }
        return {"state": state.file.read_bytes(), "data_dirs": dirs}
    return {"files": file_hashes(state.dir) if state.dir.exists() else {}}


# -- running ----------------------------------------------------------------------------
def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])  # nobody listens once the socket is closed


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def run_case(c: Case, root: Path) -> subprocess.CompletedProcess:
    args = [_closed_port() if a == "CLOSED" else a for a in c.args]
    if not c.file_size_limit:
        return run_arena(root, *args, timeout=c.timeout)
    return subprocess.run(
        [sys.executable, "-m", "arena", *args],
        cwd=root,
        env={**os.environ, "ARENA_PROJECT_DIR": str(root)},
        capture_output=True,
        text=True,
        timeout=c.timeout,
        preexec_fn=_limit_file_size,
    )
