"""Seeding: any schema, every constraint held, identical rows on every engine, fast.

plan.py orders tables and splits the row count; table.py and generators.py make the values;
loaders.py takes the fastest path per engine; verify.py proves the result; runner.py runs it
all side by side.
"""

from __future__ import annotations

from arena.seed.runner import (
    DEFAULT_SEED,
    EngineResult,
    Reporter,
    SeedOptions,
    TableResult,
    seed,
    seed_engine,
)

__all__ = [
    "DEFAULT_SEED",
    "EngineResult",
    "Reporter",
    "SeedOptions",
    "TableResult",
    "seed",
    "seed_engine",
]
