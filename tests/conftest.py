"""Shared fixtures. Integration fixtures start REAL servers through arena's own runtimes.

There is deliberately no skip logic: in CI a missing server binary must fail the run, and
BinaryNotFoundError from the native runtime does exactly that.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena import lifecycle
from arena.engines import get_engine
from arena.models import Endpoint
from arena.state import ProjectState


def make_project_dir(prefix: str = "arena-test-") -> Path:
    # A private (0700) directory, as users have: native servers keep their data outside the
    # project (arena/runtime/native.py data_root), so nothing here needs to be traversable.
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProjectState]:
    """A fresh, empty arena project (cwd and ARENA_PROJECT_DIR point at it)."""
    root = make_project_dir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("ARENA_PROJECT_DIR", str(root))
    state = ProjectState(root)
    yield state
    try:
        lifecycle.down(purge=True, state=state)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def servers() -> Iterator[ProjectState]:
    """One project for the whole session with native PostgreSQL and MariaDB plus SQLite up.
    Tests that share it must leave the `arena` databases as they found them or use their
    own table names."""
    root = make_project_dir("arena-servers-")
    state = ProjectState(root)
    results = lifecycle.up(["postgres", "mariadb"], "native", state=state)
    results += lifecycle.up(["sqlite"], "embedded", state=state)
    failed = [r for r in results if r.error]
    if failed:
        lifecycle.down(purge=True, state=state)
        raise failed[0].error
    yield state
    lifecycle.down(purge=True, state=state)
    shutil.rmtree(root, ignore_errors=True)


def _endpoint(state: ProjectState, name: str) -> Endpoint:
    endpoint = state.endpoint(name)
    assert endpoint is not None, f"{name} is not up in the session project"
    return endpoint


@pytest.fixture(scope="session")
def postgres(servers: ProjectState) -> Endpoint:
    return _endpoint(servers, "postgres")


@pytest.fixture(scope="session")
def mariadb(servers: ProjectState) -> Endpoint:
    return _endpoint(servers, "mariadb")


@pytest.fixture(scope="session")
def sqlite(servers: ProjectState) -> Endpoint:
    return _endpoint(servers, "sqlite")


@pytest.fixture(params=["postgres", "mariadb", "sqlite"])
def any_engine(request: pytest.FixtureRequest, servers: ProjectState):
    """(engine, endpoint) for each engine that runs here; parametrises a test over them."""
    return get_engine(request.param), _endpoint(servers, request.param)


@contextlib.contextmanager
def fresh_database(engine_name: str, servers: ProjectState, prefix: str = "arena_test"):
    """(engine, endpoint) of a new, empty database on the session's server (a new file for
    SQLite), dropped afterwards: tests sharing the servers never see each other's tables."""
    engine = get_engine(engine_name)
    base = _endpoint(servers, engine.name)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    if engine.family == "sqlite":
        path = Path(base.path).with_name(f"{name}.db")
        try:
            yield engine, base.replace(path=str(path))
        finally:
            path.unlink(missing_ok=True)
        return
    engine.execute(base, f"CREATE DATABASE {engine.quote(name)}")
    try:
        yield engine, base.replace(database=name)
    finally:
        force = " WITH (FORCE)" if engine.family == "postgres" else ""
        engine.execute(base, f"DROP DATABASE {engine.quote(name)}{force}")


@pytest.fixture
def fresh(request: pytest.FixtureRequest, servers: ProjectState):
    """Indirectly parametrised with an engine name: a fresh database on it."""
    with fresh_database(request.param, servers) as pair:
        yield pair


def run_arena(root: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, in project `root`. Loads need their own process: Locust
    monkey-patches the process that imports it, and the test process must stay unpatched."""
    return subprocess.run(
        [sys.executable, "-m", "arena", *args],
        cwd=root,
        env={**os.environ, "ARENA_PROJECT_DIR": str(root)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
