"""Real containers started by arena's docker runtime, driven through the CLI and the library.

Needs a Docker daemon and the stand-in images: the session's `docker_client` fixture
(tests/conftest.py) runs `bash scripts/docker-ci.sh` when this machine lacks either. There is no
skip: if they cannot be had, these tests fail saying why.

A stranger's container next to arena's is started with testcontainers (DockerContainer plus a
log wait strategy), as another project's test suite would start one.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator

import docker
import pytest
from click.testing import CliRunner
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from arena import lifecycle
from arena.cli import cli
from arena.models import StartOptions
from arena.runtime import compose
from arena.runtime.docker import LABEL_ENGINE, LABEL_PROJECT, DockerRuntime
from arena.state import ProjectState
from tests.conftest import make_project_dir

pytestmark = [pytest.mark.integration, pytest.mark.docker]


@pytest.fixture
def client(docker_client: docker.DockerClient) -> docker.DockerClient:
    return docker_client


@pytest.fixture
def docker_project(project: ProjectState, client) -> Iterator[ProjectState]:
    """The `project` fixture, plus: nothing of this project is left in Docker afterwards."""
    yield project
    lifecycle.down(purge=True, state=project)
    runtime = DockerRuntime(project)
    for name in ("postgres", "mysql", "mariadb", "sqlserver", "supabase"):
        runtime.remove_volumes(name)
    assert project_containers(client, project) == []
    assert project_volumes(client, project) == []


def project_containers(client, state: ProjectState) -> list:
    return client.containers.list(all=True, filters={"label": f"{LABEL_PROJECT}={state.id}"})


def project_volumes(client, state: ProjectState) -> list:
    return client.volumes.list(filters={"label": f"{LABEL_PROJECT}={state.id}"})


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_up_ps_sql_down_with_real_containers(docker_project, client):
    result = run("up", "postgres", "mysql", "mariadb", "--runtime", "docker", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["engine"]: r for r in json.loads(result.output)}
    # The stand-in images run PostgreSQL 15 and MariaDB 10.11: the real versions are reported.
    assert rows["postgres"]["version"].startswith("PostgreSQL 15.")
    assert rows["mysql"]["version"].startswith("MariaDB 10.11")
    assert rows["mariadb"]["version"].startswith("MariaDB 10.11")
    for name, row in rows.items():
        assert row["runtime"] == "docker" and row["host"] == "127.0.0.1"
        container = client.containers.get(row["container_id"])
        assert container.labels[LABEL_PROJECT] == docker_project.id
        assert container.labels[LABEL_ENGINE] == name
        assert container.attrs["HostConfig"]["NetworkMode"] == "host"
        mounts = {m["Name"] for m in container.attrs["Mounts"] if m["Type"] == "volume"}
        assert mounts == {f"arena-{docker_project.id}-{name}"}

    # Loopback only, on the port arena chose, passed on the server's own command line.
    assert lifecycle.sql("postgres", "SHOW listen_addresses")[1] == [("127.0.0.1",)]
    assert lifecycle.sql("postgres", "SHOW port")[1] == [(str(rows["postgres"]["port"]),)]
    for name in ("mysql", "mariadb"):
        _, bind = lifecycle.sql(name, "SELECT @@bind_address, @@port, @@local_infile")
        assert bind == [("127.0.0.1", rows[name]["port"], 1)]

    ps = {p["engine"]: p for p in json.loads(run("ps", "--json").output)}
    assert {n: p["status"] for n, p in ps.items()} == dict.fromkeys(rows, "up")

    logs = run("logs", "postgres", "--tail", "20")
    assert logs.exit_code == 0 and "ready to accept connections" in logs.output

    down = run("down")
    assert down.exit_code == 0
    assert project_containers(client, docker_project) == []
    assert len(project_volumes(client, docker_project)) == 3  # data kept without --purge
    purge = run("down", "--purge")
    assert purge.exit_code == 0
    for name in rows:
        assert f"{name}: purged leftover data" in purge.output
    assert project_volumes(client, docker_project) == []


def test_ps_finds_containers_by_label_when_the_state_file_is_lost(docker_project):
    assert run("up", "postgres", "mariadb", "--runtime", "docker").exit_code == 0
    docker_project.file.unlink()
    ps = {p["engine"]: p for p in json.loads(run("ps", "--json").output)}
    # The password came from the container's environment: the probe logged in.
    assert {n: (p["status"], p["runtime"]) for n, p in ps.items()} == {
        "postgres": ("up", "docker"),
        "mariadb": ("up", "docker"),
    }
    assert ps["postgres"]["version"].startswith("PostgreSQL 15.")
    # ...and re-adopted into the state, so the other commands work on them again.
    assert run("sql", "mariadb", "SELECT 41 + 1").output.splitlines()[-2].strip() == "42"
    assert run("logs", "mariadb").exit_code == 0

    # `up` again adopts the password from the leftover container and keeps the data volume.
    again = run("up", "postgres", "--runtime", "docker")
    assert again.exit_code == 0, again.output
    assert lifecycle.sql("postgres", "SELECT 1")[1] == [(1,)]


def test_data_survives_down_and_purge_deletes_it(docker_project, client):
    assert run("up", "postgres", "--runtime", "docker").exit_code == 0
    lifecycle.sql("postgres", "CREATE TABLE kept (id int)")
    lifecycle.sql("postgres", "INSERT INTO kept VALUES (42)")
    assert run("down", "postgres").exit_code == 0
    assert run("up", "postgres", "--runtime", "docker").exit_code == 0
    assert lifecycle.sql("postgres", "SELECT id FROM kept")[1] == [(42,)]

    purge = run("down", "postgres", "--purge")
    assert purge.exit_code == 0 and "postgres: removed" in purge.output
    assert project_volumes(client, docker_project) == []
    assert run("up", "postgres", "--runtime", "docker").exit_code == 0
    result = run("sql", "postgres", "SELECT id FROM kept")
    assert result.exit_code == 2 and 'relation "kept" does not exist' in result.output


def test_limits_apply_to_every_engine_and_are_recorded(docker_project, client):
    result = run(
        "up", "postgres", "mariadb", "--runtime", "docker", "--cpus", "0.5", "--memory", "384m",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for row in json.loads(result.output):
        assert row["limits"] == {"cpus": 0.5, "memory": "384m", "memory_bytes": 384 * 1024**2}
        host_config = client.containers.get(row["container_id"]).attrs["HostConfig"]
        assert host_config["NanoCpus"] == 500_000_000
        assert host_config["Memory"] == 384 * 1024**2
    recorded = docker_project.endpoint("mariadb")
    assert recorded is not None and recorded.limits["cpus"] == 0.5


def test_image_override_and_missing_image(docker_project, client):
    missing = run("up", "postgres", "--runtime", "docker", "--image", "postgres=arena-none:0")
    assert missing.exit_code == 2
    assert "Docker image arena-none:0 is not present here and could not be pulled" in (
        missing.output
    )
    assert "docker pull arena-none:0" in missing.output
    assert project_containers(client, docker_project) == []

    # The stand-in tags are ordinary images: any of them can be chosen explicitly.
    ok = run("up", "postgres", "--runtime", "docker", "--image", "arena-standin/postgres:15")
    assert ok.exit_code == 0, ok.output
    assert docker_project.endpoint("postgres").extra["image"] == "arena-standin/postgres:15"


def test_container_exiting_during_start_shows_its_log_and_leaves_nothing(docker_project, client):
    # The mariadb image given a postgres command line: its entrypoint execs `postgres`,
    # which does not exist there, and the container exits at once.
    dangling_before = {v.name for v in client.volumes.list(filters={"dangling": True})}
    result = run("up", "postgres", "--runtime", "docker", "--image", "postgres=mariadb:11")
    assert result.exit_code == 2
    first, *details = result.output.splitlines()
    assert "exited while starting" in first and "Hint:" in first
    assert any("last log lines" in line for line in details)
    assert any("postgres" in line and "not found" in line for line in details)
    assert project_containers(client, docker_project) == []
    assert project_volumes(client, docker_project) == []  # it was created by this start
    # Nor the anonymous volume the mariadb image declares for /var/lib/mysql.
    assert {v.name for v in client.volumes.list(filters={"dangling": True})} <= dangling_before


def test_port_taken(docker_project, client):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("up", "postgres", "--runtime", "docker", "--port", f"postgres={port}")
    assert result.exit_code == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in result.output
    assert project_containers(client, docker_project) == []


NEIGHBOUR_PROJECT = "neighbour0000"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def neighbour(client) -> Iterator[tuple[DockerContainer, int]]:
    """A PostgreSQL container of ANOTHER arena project on this daemon (its labels, not ours),
    started by testcontainers and awaited by its log line, on a free loopback port. Removed with
    its anonymous volume afterwards."""
    # Ryuk, testcontainers' reaper, is an image (testcontainers/ryuk) that no registry serves
    # here; the `with` below removes the container instead.
    testcontainers_config.ryuk_disabled = True
    port = free_port()
    # Only the final server listens on TCP (the entrypoint's init server has no TCP socket).
    ready = re.escape(f'listening on IPv4 address "127.0.0.1", port {port}')
    container = (
        DockerContainer("postgres:16")
        .with_env("POSTGRES_PASSWORD", secrets.token_urlsafe(12))
        .with_command(["postgres", "-p", str(port), "-c", "listen_addresses=127.0.0.1"])
        .with_kwargs(
            network_mode="host",
            labels={LABEL_PROJECT: NEIGHBOUR_PROJECT, LABEL_ENGINE: "postgres"},
        )
        .waiting_for(LogMessageWaitStrategy(ready).with_startup_timeout(120))
    )
    with container:
        yield container, port
    assert not client.containers.list(all=True, filters={"id": container.get_container_id()})


def test_a_neighbours_container_is_never_taken_adopted_or_purged(docker_project, client, neighbour):
    container, port = neighbour
    # Its server holds the port: arena refuses it instead of starting a second server there.
    taken = run("up", "postgres", "--runtime", "docker", "--port", f"postgres={port}")
    assert taken.exit_code == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in taken.output
    assert project_containers(client, docker_project) == []

    assert run("up", "postgres", "--runtime", "docker").exit_code == 0
    ours = docker_project.endpoint("postgres")
    assert ours is not None and ours.port != port
    # Discovery by label, with and without the state file, finds this project's engine only.
    for _ in range(2):
        ps = json.loads(run("ps", "--json").output)
        assert [(p["engine"], p["port"]) for p in ps] == [("postgres", ours.port)]
        docker_project.file.unlink()

    purge = run("down", "--purge")
    assert purge.exit_code == 0, purge.output
    assert project_containers(client, docker_project) == []
    container.reload()
    assert container.status == "running"
    theirs = client.containers.get(container.get_container_id())
    assert theirs.labels[LABEL_PROJECT] == NEIGHBOUR_PROJECT
    assert theirs.attrs["Mounts"], "its data volume must survive our purge"
    assert all(
        client.volumes.get(m["Name"]) for m in theirs.attrs["Mounts"] if m["Type"] == "volume"
    )


def test_no_daemon(project, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    result = run("up", "postgres", "--runtime", "docker")
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: No Docker daemon answers at unix:///nonexistent/docker.sock."
    )
    assert len(result.output.strip().splitlines()) == 1


# Imports happen as root (the interpreter may live under /root), then the process drops to
# `nobody` and runs `arena up` against the real root-owned socket.
AS_NOBODY = """
import os, sys
from click.testing import CliRunner
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy
from arena.cli import cli
import arena.cli.lifecycle, arena.lifecycle, arena.runtime.docker, docker.errors
nobody = int(sys.argv[1])
os.setgroups([]); os.setgid(nobody); os.setuid(nobody)
result = CliRunner().invoke(cli, ["up", "postgres", "--runtime", "docker"])
print(result.exit_code); print(result.output, end="")
"""


def test_permission_denied_on_the_socket(client):
    if os.geteuid() != 0:
        pytest.fail("this test drops to `nobody` and must run as root (as CI does)")
    root = make_project_dir("arena-nobody-")
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chown(root, nobody, -1)
    # The checkout may sit where `nobody` cannot read (a 0700 `mktemp -d` or /root): give it its
    # own copy of the compose files, so what it meets is the socket.
    shutil.copytree(compose.compose_dir(), root / "compose")
    env = {**os.environ, "ARENA_PROJECT_DIR": str(root), "ARENA_COMPOSE_DIR": str(root / "compose")}
    env.pop("DOCKER_HOST", None)
    proc = subprocess.run(
        [sys.executable, "-c", AS_NOBODY, str(nobody)],
        cwd=root, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    shutil.rmtree(root, ignore_errors=True)
    code, output = proc.stdout.split("\n", 1)
    assert code == "2", proc.stdout + proc.stderr
    assert output.startswith("Error: Permission denied on the Docker socket")
    assert "docker group" in output and len(output.strip().splitlines()) == 1


def test_sqlserver_bad_password_and_memory_fail_before_anything_starts(docker_project, client):
    with docker_project.locked() as data:
        data.setdefault("passwords", {})["sqlserver"] = "tooweak"
    result = run("up", "sqlserver", "--runtime", "docker")
    assert result.exit_code == 2
    assert "The SQL Server password does not meet its complexity rule." in result.output
    with docker_project.locked() as data:
        data["passwords"].pop("sqlserver")
    small = run("up", "sqlserver", "--runtime", "docker", "--memory", "1g")
    assert small.exit_code == 2 and "needs at least 2 GB of memory" in small.output
    # With a valid password and enough memory, what is missing here is the image itself.
    no_image = run("up", "sqlserver", "--runtime", "docker")
    assert no_image.exit_code == 2
    assert "mcr.microsoft.com/mssql/server:2022-latest is not present" in no_image.output
    assert project_containers(client, docker_project) == []


def test_supabase_without_the_postgrest_image_says_which_image(docker_project, client):
    # The stand-in postgres can play supabase/postgres, but PostgREST has no stand-in here.
    runtime = DockerRuntime(docker_project)
    from arena.engines import get_engine
    from arena.errors import ArenaError

    with pytest.raises(ArenaError, match=r"postgrest/postgrest:v12\.2\.3 is not present"):
        runtime.start(get_engine("supabase"), StartOptions(image="postgres:16"))
    assert project_containers(client, docker_project) == []


def test_supabase_roles_apply_on_the_standin_postgres(docker_project):
    """The SQL the docker runtime runs after starting supabase/postgres, on a real server:
    idempotent, and `authenticator` then logs in over TCP as PostgREST would."""
    from arena.engines import get_engine
    from arena.engines.supabase import supabase_roles_sql

    assert run("up", "postgres", "--runtime", "docker").exit_code == 0
    endpoint = docker_project.endpoint("postgres")
    engine = get_engine("supabase")
    for _ in range(2):
        conn = engine.connect(endpoint)
        try:
            for statement in supabase_roles_sql(endpoint.password):
                conn.cursor().execute(statement)
        finally:
            conn.close()
    _, roles = engine.execute(
        endpoint,
        "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN "
        "('anon', 'authenticated', 'service_role', 'authenticator') ORDER BY rolname",
    )
    assert roles == [
        ("anon", False), ("authenticated", False), ("authenticator", True),
        ("service_role", False),
    ]  # fmt: skip
    assert engine.probe(endpoint.replace(user="authenticator")).startswith("PostgreSQL 15.")
