"""Seeding: any schema, every constraint held, identical rows on every engine, fast.

plan.py orders tables and splits the row count; capacity.py refuses what cannot fit;
table.py (one table's rows), keys.py (foreign-key picks), rules.py (CHECKs -> column rules,
via the one analyzer in arena/introspect/checks.py), inference.py (which generator a column
gets) and generators.py (the generators, on counter_random.py) make the values; typed.py
covers types outside the logical set (arrays, ranges, network, bit strings, xml, SET...),
patterns.py and shaping.py strings under pattern and length CHECKs; values.py spells them
for the loader; loaders/ takes the fastest path per engine family (loaders/filtered.py: the
engine filters rows under a CHECK arena cannot solve); verify.py proves the result;
runner.py runs it all side by side and handles Ctrl-C.
"""

from __future__ import annotations

from arena.seed.runner import (
    DEFAULT_SEED,
    EngineResult,
    Reporter,
    SeedInterrupted,
    SeedOptions,
    TableResult,
    seed,
    seed_engine,
)

__all__ = [
    "DEFAULT_SEED",
    "EngineResult",
    "Reporter",
    "SeedInterrupted",
    "SeedOptions",
    "TableResult",
    "seed",
    "seed_engine",
]
