"""Several instances of one engine side by side (issue 15): real servers started through
arena's runtimes, settings and versions read back from the servers themselves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from arena.engines import get_engine
from arena.runtime.native import data_root
from arena.state import ProjectState
from tests.conftest import run_arena

pytestmark = pytest.mark.integration


def arena(state: ProjectState, *args: str, ok: bool = True):
    result = run_arena(state.root, *args, timeout=300)
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def ps(state: ProjectState) -> dict[str, dict]:
    return {
        row["name"] or row["engine"]: row for row in json.loads(arena(state, "ps", "--json").stdout)
    }


def show(state: ProjectState, instance: str, setting: str) -> str:
    """Asked of the server directly, not read from arena's record."""
    endpoint = state.endpoint(instance)
    engine = get_engine(endpoint.engine)
    _, rows = engine.execute(endpoint, f"SHOW {setting}")
    return str(rows[0][-1])


def test_two_postgres_variants_with_different_settings_run_at_once(project):
    arena(
        project, "up", "postgres", "postgres@tuned", "--runtime", "native",
        "--set", "postgres@tuned:shared_buffers=256MB",
        "--set", "postgres@tuned:synchronous_commit=off",
    )  # fmt: skip
    rows = ps(project)
    assert {n: r["status"] for n, r in rows.items()} == {"postgres": "up", "postgres@tuned": "up"}
    stock, tuned = rows["postgres"], rows["postgres@tuned"]
    assert stock["engine"] == tuned["engine"] == "postgres"
    assert stock["port"] != tuned["port"] and stock["data_dir"] != tuned["data_dir"]
    # recorded as read back at start, and what the servers say now
    assert (stock["settings"]["shared_buffers"], tuned["settings"]["shared_buffers"]) == (
        "128MB", "256MB",
    )  # fmt: skip
    assert (stock["settings"]["synchronous_commit"], tuned["settings"]["synchronous_commit"]) == (
        "on", "off",
    )  # fmt: skip
    assert tuned["requested_settings"] == {"shared_buffers": "256MB", "synchronous_commit": "off"}
    assert show(project, "postgres", "synchronous_commit") == "on"
    assert show(project, "postgres@tuned", "synchronous_commit") == "off"
    assert show(project, "postgres@tuned", "shared_buffers") == "256MB"
    # the state file lost: both are found again from their data directories, by instance
    project.file.unlink()
    found = ps(project)
    assert found["postgres@tuned"]["settings"]["synchronous_commit"] == "off"
    assert found["postgres"]["settings"]["synchronous_commit"] == "on"
    # one goes down, the other stays
    arena(project, "down", "postgres@tuned", "--purge")
    assert set(ps(project)) == {"postgres"}
    assert not (data_root(project) / "postgres@tuned").exists()


def test_postgres_15_and_16_side_by_side_with_pgvector_on_16(project):
    listed = {r["engine"]: r for r in json.loads(arena(project, "engines", "--json").stdout)}
    assert {"15", "16"} <= set(listed["postgres"]["versions"]["native"])
    arena(project, "up", "postgres@15", "postgres@16", "--runtime", "native")
    assert show(project, "postgres@15", "server_version_num").startswith("15")
    assert show(project, "postgres@16", "server_version_num").startswith("16")
    # pgserver's bundled extension, on the server arena runs from its binaries
    arena(project, "sql", "postgres@16", "CREATE EXTENSION IF NOT EXISTS vector")
    result = arena(
        project, "sql", "postgres@16", "SELECT '[1,2]'::vector <-> '[4,6]'::vector", "--json"
    )
    assert list(json.loads(result.stdout)[0].values()) == [5.0]
    # and 15 has no pgvector here: the versions are really different servers
    refused = arena(project, "sql", "postgres@15", "CREATE EXTENSION vector", ok=False)
    assert refused.returncode == 2 and "vector" in refused.stderr


def test_a_version_not_installed_lists_what_is(project):
    result = arena(project, "up", "postgres@9", "--runtime", "native", ok=False)
    assert result.returncode == 2
    assert "PostgreSQL 9 is not installed here" in result.stderr and "15" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (data_root(project) / "postgres@9").exists()


def test_a_mariadb_variant_with_a_different_innodb_setting(project, mariadb):
    arena(
        project, "up", "mariadb@small", "--runtime", "native",
        "--set", "mariadb@small:innodb_buffer_pool_size=64M",
        "--set", "mariadb@small:innodb_flush_log_at_trx_commit=2",
    )  # fmt: skip
    engine = get_engine("mariadb")
    small = project.endpoint("mariadb@small")
    _, rows = engine.execute(
        small, "SELECT @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit"
    )
    assert rows[0] == (64 * 1024 * 1024, 2)
    _, stock = engine.execute(
        mariadb, "SELECT @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit"
    )
    assert stock[0] != rows[0]  # the session's stock MariaDB: the settings did not leak
    assert ps(project)["mariadb@small"]["settings"]["innodb_buffer_pool_size"] == "67108864"


@pytest.mark.parametrize(
    ("instance", "setting", "says"),
    [
        ("postgres@bad", "shared_buffers=lots", 'invalid value for parameter "shared_buffers"'),
        (
            "postgres@bad",
            "no_such_setting=1",
            'unrecognized configuration parameter "no_such_setting"',
        ),
        ("mariadb@bad", "no_such_variable=1", "unknown variable 'no_such_variable=1'"),
        ("sqlite@bad", "no_such_pragma=1", "SQLite has no PRAGMA no_such_pragma"),
    ],
)
def test_a_setting_the_server_rejects_starts_nothing(project, instance, setting, says):
    result = arena(project, "up", instance, "--runtime", "native", "--set", setting, ok=False)
    assert result.returncode == 2
    assert says in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert project.endpoint(instance) is None
    assert not (data_root(project) / instance).exists()  # no half-made data directory
    assert not (project.dir / instance).exists()  # nor a SQLite file


def test_sqlite_variants_are_their_own_file_with_their_pragmas(project):
    arena(project, "up", "sqlite", "sqlite@fast", "--set", "sqlite@fast:synchronous=off")
    plain, fast = project.endpoint("sqlite"), project.endpoint("sqlite@fast")
    assert plain.path != fast.path
    engine = get_engine("sqlite")
    assert engine.read_settings(fast, ["synchronous"]) == {"synchronous": "0"}
    assert engine.read_settings(plain, ["synchronous"]) != {"synchronous": "0"}


def _cgroup_of(pid: int, controller: str) -> str:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(",") or (not names and controller == ""):
            return path
    return ""


def test_native_limits_are_applied_and_read_back_from_the_kernel(project):
    arena(project, "up", "postgres", "--runtime", "native")  # no limits: the control
    result = arena(
        project, "up", "postgres@limited", "--runtime", "native",
        "--cpus", "0.5", "--memory", "256m",
    )  # fmt: skip
    limited = project.endpoint("postgres@limited")
    stock = project.endpoint("postgres")
    applied = limited.limits["applied"]
    assert limited.limits["cpus"] == 0.5 and limited.limits["memory_bytes"] == 256 * 1024**2
    # a backend forked after start inherits what the postmaster got
    engine = get_engine("postgres")
    conn = engine.connect(limited)
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        if applied["cpu"].startswith("cgroup"):
            folder = Path(limited.limits["cgroups"][0])
            quota = (
                (folder / "cpu.cfs_quota_us").read_text().strip()
                if (folder / "cpu.cfs_quota_us").exists()
                else (folder / "cpu.max").read_text().split()[0]
            )
            assert quota == "50000"
            for pid in (limited.pid, backend):
                assert str(folder).endswith(_cgroup_of(pid, "cpu") or _cgroup_of(pid, ""))
            # negative control: the stock instance is not in it
            assert not str(folder).endswith(_cgroup_of(stock.pid, "cpu") or "/")
        else:
            assert applied["cpu"].startswith("CPU affinity")
            assert os.sched_getaffinity(backend) == set(limited.limits["affinity"])
        if "memory" in applied:
            folder = Path(next(c for c in limited.limits["cgroups"] if "memory" in c))
            limit = folder / "memory.limit_in_bytes"
            value = limit.read_text() if limit.exists() else (folder / "memory.max").read_text()
            assert int(value) == 256 * 1024**2
            assert str(folder).endswith(_cgroup_of(backend, "memory"))
        else:  # said plainly, never silently dropped
            assert "--memory could not be applied" in result.stderr
    finally:
        conn.close()
    assert stock.limits == {}
    arena(project, "down", "postgres@limited")
    assert not any(Path(c).exists() for c in limited.limits["cgroups"])  # released


def test_load_records_results_per_instance(project):
    arena(
        project, "up", "postgres", "postgres@tuned", "--runtime", "native",
        "--set", "postgres@tuned:synchronous_commit=off",
    )  # fmt: skip
    arena(project, "schema", "apply", "ecommerce", "--engines", "postgres,postgres@tuned")
    arena(project, "seed", "--rows", "3k", "--engines", "postgres,postgres@tuned", "--seed", "7")
    arena(
        project, "load", "--engines", "postgres,postgres@tuned", "--pattern", "write-heavy",
        "--users", "2", "--duration", "3s", "--seed", "7",
    )  # fmt: skip
    [run] = sorted((project.dir / "results").glob("load-*"))
    meta = json.loads((run / "run.json").read_text())
    assert meta["engine_order"] == ["postgres", "postgres@tuned"]
    engines = meta["engines"]
    assert engines["postgres"]["settings"]["synchronous_commit"] == "on"
    assert engines["postgres@tuned"]["settings"]["synchronous_commit"] == "off"
    assert engines["postgres@tuned"]["engine_name"] == "postgres"
    summary = json.loads((run / "summary.json").read_text())
    assert set(summary) == {"postgres", "postgres@tuned"}
    for name in summary:
        assert (run / f"{name}.json").exists()
        assert summary[name]["status"] == "ok"
    report = arena(project, "report", "--json")
    assert {"postgres", "postgres@tuned"} <= set(report.stdout.replace('"', " ").split())


@pytest.mark.docker
def test_a_docker_variant_gets_its_settings_as_command_flags(project, docker_client):
    arena(
        project, "up", "postgres@tuned", "--runtime", "docker",
        "--set", "postgres@tuned:synchronous_commit=off",
    )  # fmt: skip
    try:
        assert show(project, "postgres@tuned", "synchronous_commit") == "off"
        [container] = docker_client.containers.list(
            filters={"label": [f"arena.project={project.id}", "arena.instance=postgres@tuned"]}
        )
        assert container.name == f"arena-{project.id}-postgres_tuned"
        assert "synchronous_commit=off" in container.attrs["Config"]["Cmd"]
        refused = arena(
            project, "up", "postgres@bad", "--runtime", "docker",
            "--set", "postgres@bad:shared_buffers=lots", ok=False,
        )  # fmt: skip
        assert 'invalid value for parameter "shared_buffers"' in refused.stderr
        assert not docker_client.volumes.list(filters={"label": "arena.instance=postgres@bad"})
    finally:
        arena(project, "down", "--purge")
    assert not docker_client.containers.list(
        all=True, filters={"label": f"arena.project={project.id}"}
    )


def test_without_a_writable_cgroup_cpus_fall_back_to_affinity_and_memory_is_a_warning(
    project, monkeypatch, tmp_path
):
    monkeypatch.setenv("ARENA_CGROUP_ROOT", str(tmp_path / "no-cgroups"))  # as on a locked host
    result = arena(
        project, "up", "postgres@pinned", "--runtime", "native", "--cpus", "1", "--memory", "256m"
    )
    pinned = project.endpoint("postgres@pinned")
    assert pinned.limits["applied"] == {"cpu": f"CPU affinity {pinned.limits['affinity']}"}
    assert len(pinned.limits["affinity"]) == 1
    engine = get_engine("postgres")
    conn = engine.connect(pinned)
    try:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert (
            os.sched_getaffinity(pinned.pid)
            == os.sched_getaffinity(backend)
            == set(pinned.limits["affinity"])
        )
    finally:
        conn.close()
    assert "--memory could not be applied to postgres@pinned" in result.stderr
    assert "memory" not in pinned.limits["applied"]
