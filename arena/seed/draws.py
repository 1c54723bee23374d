"""The seed's column generators, for values written one at a time (`arena load`).

A load that wrote random letters into text columns and drew numbers over a clipped range
wore the seeded data down run after run (a full name became "kjunkxzm...", ratings of 5
vanished). `TableDraws` builds the same per-column generators `arena seed` uses (same
name/type inference, CHECK rules, skew, keyed by the same seed), once per table at prepare
time, and serves values from them:

- a column that need not be unique draws from a SAMPLE of the generator's values (rows
  0..SAMPLE-1, exactly what the seed writes first), indexed by the caller's own Random: one
  randrange per value, deterministic per user seed, the seeded distribution kept;
- a unique column draws fresh values at row numbers no seed reaches (a per-run base plus a
  per-process slice plus a counter), a batch at a time.

Foreign keys are the caller's business (load picks existing keys); they are stripped here,
with the composite unique keys over them, so no parent table is needed.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import numpy as np

from arena.engines.base import Engine
from arena.errors import ArenaError
from arena.schema import Table
from arena.seed.plan import TablePlan

SAMPLE = 4096  # values per column kept for draws (a rating's 5 share within ~1%)
UNIQUE_BATCH = 256
UNIQUE_BASE = 1 << 40  # row numbers of fresh unique values: far beyond any seeded row
UNIQUE_SLICE = 1 << 32  # per process and run


class TableDraws:
    """Values of one table's columns, drawn from the seed's generators."""

    def __init__(self, table: Table, seed: int, engine: Engine, slot: int = 0) -> None:
        """`slot`: which slice of fresh unique row numbers this process and run own."""
        from arena.seed.table import TableGen  # the seed's one per-table generator

        fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
        bare = dataclasses.replace(
            table,
            foreign_keys=(),
            uniques=tuple(u for u in table.uniques if len(u.columns) == 1),
            indexes=tuple(i for i in table.indexes if len(i.columns) == 1),
            primary_key=table.primary_key if len(table.primary_key) == 1 else (),
        )
        self.engine = engine
        self.gen = TableGen(TablePlan(bare, SAMPLE), seed, {}, dialect=engine.sqlglot_dialect)
        self.fk_cols = fk_cols
        self.samples: dict[str, list[Any]] = {}
        self.fresh: dict[str, list[Any]] = {}
        self.next_row = UNIQUE_BASE + slot * UNIQUE_SLICE

    def has(self, column: str) -> bool:
        """Whether this column's values come from here: not an FK, and a unique column only
        when its generator has room for fresh values beyond every seeded row."""
        gen = self.gen.gens.get(column)
        if gen is None or column in self.fk_cols:
            return False
        if column in self.gen.unique_cols:
            return gen.capacity is None or gen.capacity > 2 * UNIQUE_BASE
        return True

    def draw(self, column: str, rng: random.Random) -> Any:
        """A value for `column`: the seed's distribution (non-unique), a fresh one (unique)."""
        if column in self.gen.unique_cols:
            return self._fresh(column)
        sample = self.samples.get(column)
        if sample is None:
            sample = self._values(column, np.arange(SAMPLE, dtype=np.int64))
            self.samples[column] = sample
        return sample[rng.randrange(len(sample))]

    def _fresh(self, column: str) -> Any:
        batch = self.fresh.get(column)
        if not batch:
            rows = np.arange(self.next_row, self.next_row + UNIQUE_BATCH, dtype=np.int64)
            self.next_row += UNIQUE_BATCH
            batch = self._values(column, rows - self.gen.offset)[::-1]
            self.fresh[column] = batch
        return batch.pop()

    def _values(self, column: str, local: np.ndarray) -> list[Any]:
        col = self.gen.table.column(column)
        return self.gen.column_values(col, local, {}).to_python(self.engine)


def table_draws(table: Table, seed: int, engine: Engine, slot: int = 0) -> TableDraws | None:
    """The table's draws, or None when the seed cannot generate it without its parents or a
    configuration (the caller keeps its own values for that table)."""
    try:
        return TableDraws(table, seed, engine, slot)
    except (ArenaError, ValueError, KeyError):
        return None
