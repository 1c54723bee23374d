"""state.json that parses but is not arena's shape, and writes that fail, are one-line
StateErrors; a failed or interrupted write never leaves its temporary file behind."""

from __future__ import annotations

import json
import os

import pytest

from arena.errors import StateError
from arena.models import Endpoint
from arena.state import ProjectState, shape_problem
from tests.conftest import make_project_dir

GOOD_ENDPOINT = {
    "engine": "postgres", "runtime": "native", "host": "127.0.0.1", "port": 5432,
    "database": "arena", "user": "arena", "password": "pw",
}  # fmt: skip


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([1, 2, 3], "expected a JSON object, found a list"),
        ("x", "expected a JSON object, found a string"),
        (None, "expected a JSON object, found null"),
        ({"endpoints": "x"}, "'endpoints' must be an object, found a string"),
        ({"endpoints": []}, "'endpoints' must be an object, found a list"),
        ({"passwords": 7}, "'passwords' must be an object, found int"),
        ({"endpoints": {"postgres": 1}}, "endpoint 'postgres' must be an object, found int"),
        (
            {"endpoints": {"postgres": {"engine": "postgres", "runtime": "native"}}},
            "endpoint 'postgres' lacks host, port, database, user, password",
        ),
        (
            {"endpoints": {"postgres": {**GOOD_ENDPOINT, "port": "5432"}}},
            "endpoint 'postgres' has a wrong type for port",
        ),
        (
            {"endpoints": {"postgres": {**GOOD_ENDPOINT, "port": True}}},
            "endpoint 'postgres' has a wrong type for port",
        ),
        (
            {"endpoints": {"postgres": {**GOOD_ENDPOINT, "host": None, "user": 1}}},
            "endpoint 'postgres' has a wrong type for host, user",
        ),
        ({"passwords": {"postgres": 12}}, "the password of 'postgres' must be a string, found int"),
    ],
)
def test_wrong_shapes_are_named(document, problem):
    assert shape_problem(document) == problem
    state = ProjectState(make_project_dir())
    state.ensure_dir()
    state.file.write_text(json.dumps(document))
    with pytest.raises(StateError) as err:
        state.endpoints()
    line = err.value.one_line()
    assert line.startswith(f"Cannot read {state.file}: {problem}. Hint: ")
    assert "\n" not in line


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"endpoints": {}, "passwords": {}},
        {"endpoints": {"postgres": GOOD_ENDPOINT}, "passwords": {"postgres": "pw"}},
        {"endpoints": {"sqlite": {**GOOD_ENDPOINT, "engine": "sqlite", "port": None}}},
    ],
)
def test_arena_shapes_pass(document):
    assert shape_problem(document) is None


def test_what_arena_writes_reads_back():
    state = ProjectState(make_project_dir())
    state.save_endpoint(Endpoint("postgres", "native", "127.0.0.1", 5432, "arena", "a", "pw"))
    state.password("postgres")
    assert shape_problem(json.loads(state.file.read_text())) is None
    assert state.endpoint("postgres").port == 5432


def test_a_corrupt_state_is_never_overwritten():
    state = ProjectState(make_project_dir())
    state.ensure_dir()
    state.file.write_text("[1, 2, 3]")
    with pytest.raises(StateError):
        state.save_endpoint(Endpoint("sqlite", "embedded", "", None, "main", "", ""))
    assert state.file.read_text() == "[1, 2, 3]"


def test_a_leftover_temporary_file_is_replaced_not_followed():
    state = ProjectState(make_project_dir())
    state.ensure_dir()
    victim = state.root / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, state.dir / "state.tmp")  # left by a crash, or planted
    state.save_endpoint(Endpoint("sqlite", "embedded", "", None, "main", "", ""))
    assert victim.read_text() == "keep me"
    assert not (state.dir / "state.tmp").exists()
    assert sorted(state.endpoints()) == ["sqlite"]
    assert oct(os.stat(state.file).st_mode & 0o777) == "0o600"


def test_a_failed_write_removes_its_temporary_file_and_keeps_the_old_state(monkeypatch):
    state = ProjectState(make_project_dir())
    state.save_endpoint(Endpoint("sqlite", "embedded", "", None, "main", "", ""))
    before = state.file.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # fails after the temporary file is written
    with pytest.raises(StateError) as err:
        state.remove_endpoint("sqlite")
    assert "No space left on device; it was left unchanged" in err.value.one_line()
    assert state.file.read_bytes() == before
    assert sorted(p.name for p in state.dir.iterdir()) == ["state.json", "state.lock"]
