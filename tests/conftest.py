"""Shared fixtures. Integration fixtures start REAL servers through arena's own runtimes.

There is deliberately no skip logic: in CI a missing server binary must fail the run, and
BinaryNotFoundError from the native runtime does exactly that. Likewise Docker: what a new
machine lacks (a daemon, the stand-in images) is brought up by scripts/docker-ci.sh, and if
that cannot be done the docker tests fail saying why.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from arena import lifecycle
from arena.engines import get_engine
from arena.models import Endpoint
from arena.runtime.docker import daemon_answers
from arena.state import ProjectState

REPO = Path(__file__).resolve().parent.parent
DOCKER_CI = REPO / "scripts" / "docker-ci.sh"
# What the docker tests start: the stand-ins scripts/docker-ci.sh builds, under the official
# tags arena uses and under their own.
DOCKER_TEST_IMAGES = ("postgres:16", "mariadb:11", "mysql:8.4", "arena-standin/postgres:15")


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


# -- Docker ------------------------------------------------------------------------------------
def missing_images(client: docker.DockerClient) -> list[str]:
    missing = []
    for image in DOCKER_TEST_IMAGES:
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            missing.append(image)
    return missing


def run_docker_ci(config: pytest.Config, why: str) -> None:
    """`bash scripts/docker-ci.sh` (each of its steps is skipped when already done), its output
    shown live: on a new machine it installs docker.io, starts dockerd and builds the images,
    which takes minutes. A failure fails the docker tests with the script's last lines."""
    capture = config.pluginmanager.getplugin("capturemanager")
    tail: collections.deque[str] = collections.deque(maxlen=25)
    with capture.global_and_fixture_disabled():
        print(f"\ntests: {why}: running `bash scripts/docker-ci.sh`", flush=True)
        proc = subprocess.Popen(
            ["bash", str(DOCKER_CI)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            print(f"  {line}", end="", flush=True)
            tail.append(line)
        code = proc.wait()
    if code != 0:
        pytest.fail(
            f"`bash scripts/docker-ci.sh` exited {code} ({why}); the docker tests cannot run. "
            "Its last lines:\n" + "".join(tail),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def docker_client(pytestconfig: pytest.Config) -> Iterator[docker.DockerClient]:
    """A client of a Docker daemon that answers, with the stand-in images present.

    Whatever is missing is brought up here, not skipped: on a new machine, or a CI runner where
    the daemon an earlier step started is gone, scripts/docker-ci.sh installs Docker, starts the
    loopback-only dockerd and builds the images (for a DOCKER_HOST of another machine it says
    that daemon does not answer, and the docker tests fail)."""
    if not daemon_answers(timeout=5):
        run_docker_ci(pytestconfig, "no Docker daemon answers")
        if not daemon_answers(timeout=10):
            pytest.fail("scripts/docker-ci.sh ran but no Docker daemon answers.", pytrace=False)
    client = docker.from_env(timeout=120)
    missing = missing_images(client)
    if missing:
        run_docker_ci(pytestconfig, f"image(s) {', '.join(missing)} missing")
        missing = missing_images(client)
        assert not missing, f"scripts/docker-ci.sh ran but {missing} are still missing"
    yield client
    client.close()
