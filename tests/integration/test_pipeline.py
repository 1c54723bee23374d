"""The whole pipeline on real servers, as a user runs it: up -> schema apply -> seed -> load ->
down. Each step is the real CLI in a subprocess (Locust monkey-patches the process that
imports it, and this test process must stay unpatched)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from arena import lifecycle
from arena.state import ProjectState
from tests.conftest import run_arena

pytestmark = pytest.mark.integration

ENGINES = ["postgres", "mariadb", "sqlite"]


def arena(root: Path, *args: str) -> subprocess.CompletedProcess:
    result = run_arena(root, *args)
    assert result.returncode == 0, f"arena {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_schema_seed_load_on_every_engine(project: ProjectState):
    root = project.root
    arena(root, "up", *ENGINES, "--runtime", "native")
    arena(root, "schema", "apply", "ecommerce")
    seeded = json.loads(arena(root, "seed", "--rows", "5k", "--seed", "7", "--json").stdout)
    assert seeded, "seed reported nothing"

    # Identical data on every engine for the same seed: compare a digest of one table.
    digests = {}
    for name in ENGINES:
        _, rows = lifecycle.sql(name, "SELECT id, email FROM users ORDER BY id", project)
        assert rows, f"{name}: users is empty after seeding"
        digests[name] = [(int(i), str(e)) for i, e in rows]
    assert digests["postgres"] == digests["mariadb"] == digests["sqlite"]

    out = arena(
        root, "load", "--pattern", "ecommerce", "--users", "2", "--duration", "3s", "--json"
    )
    summary = json.loads(out.stdout)
    engines = summary["engines"]
    assert set(engines) == set(ENGINES)
    for name, result in engines.items():
        assert result["status"] == "ok", (name, result["message"])
        assert result["overall"]["count"] > 100, (name, result["overall"])
        assert 0 < result["overall"]["p50_us"] <= result["overall"]["p99_us"]
        # FK-valid parents, yielding to existing unique pairs, deletes of arena's own rows:
        # a realistic mix on seeded data runs without errors.
        assert result["error_count"] == 0, (name, result["errors"])
    # one folder per recorded command: the seed's and the load's
    run_dirs = sorted(p.name.split("-")[0] for p in (root / ".arena" / "results").iterdir())
    assert run_dirs == ["load", "seed"]
    assert (root / ".arena" / "results" / summary["run_id"] / "run.json").exists()

    # The report reads the run back: same engines, same numbers as the load printed.
    report = json.loads(arena(root, "report", "--json").stdout)
    assert report["run_id"] == summary["run_id"]
    assert report["engines"]["postgres"]["overall"] == engines["postgres"]["overall"]
    lines = arena(root, "report", "--csv").stdout.splitlines()
    assert lines[0].startswith("engine,version,runtime,status,ops,ops_per_s,p50_us")
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(ENGINES)

    arena(root, "down", "--purge")
    assert ProjectState(root).endpoints() == {}
