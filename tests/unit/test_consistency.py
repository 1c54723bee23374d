"""Every registered engine is complete: a compose file (when docker can run it), catalog
queries for its family, a README row, and a live integration test or a stated reason why it
cannot run here."""

from __future__ import annotations

from pathlib import Path

import pytest

from arena.engines import all_engines

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = "\n".join(p.read_text() for p in (ROOT / "tests" / "integration").glob("test_*.py"))

# Engines with no live test on arena's machines, and why (also stated in the README).
NOT_RUN_HERE = {
    "sqlserver": "no image registry and no Linux binaries: tested as data, T-SQL parsed by sqlglot",
}


@pytest.mark.parametrize("engine", all_engines(), ids=lambda e: e.name)
def test_engine_is_complete(engine):
    if "docker" in engine.runtimes:
        assert (ROOT / "compose" / f"{engine.name}.yml").is_file()
    assert (ROOT / "arena" / "introspect" / f"{engine.family}.py").is_file()
    readme = (ROOT / "README.md").read_text()
    assert f"| {engine.name} |" in readme, f"README has no row for {engine.name}"
    if engine.name in NOT_RUN_HERE:
        assert engine.display_name in readme and "not run live" in readme.lower()
    else:
        assert f'"{engine.name}"' in INTEGRATION, f"no integration test names {engine.name}"
