"""Shared fixtures. Integration fixtures start REAL servers through arena's own runtimes.

There is deliberately no skip logic: in CI a missing server binary must fail the run, and
BinaryNotFoundError from the native runtime does exactly that.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena import lifecycle
from arena.engines import get_engine
from arena.models import Endpoint
from arena.state import ProjectState


def make_project_dir(prefix: str = "arena-test-") -> Path:
    # Not pytest's tmp_path: /tmp/pytest-of-root is 0700, and native servers run as an
    # unprivileged user who must be able to traverse into .arena/native/<engine>/.
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(path, 0o755)
    return path


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
