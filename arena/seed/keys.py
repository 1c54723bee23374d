"""Where a table's foreign-key values come from: parents generated in this run (recomputed
from their row numbers), parents read from the server (`ExternalKeys`), and how a child picks
among them (`FkPicker`: zipf-skewed, permuted, with a share of NULLs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from arena.schema import ForeignKey
from arena.seed import counter_random as rnd
from arena.seed.values import Values


class KeySource(Protocol):
    n: int

    def key_values(self, columns: tuple[str, ...], rows: np.ndarray) -> list[Values]: ...


@dataclass
class ExternalKeys:
    """Keys of a parent table not seeded in this run, read from the server."""

    name: str
    columns: tuple[str, ...]
    arrays: list[Values]
    n: int = 0

    def __post_init__(self) -> None:
        self.n = len(self.arrays[0]) if self.arrays else 0

    def key_values(self, columns: tuple[str, ...], rows: np.ndarray) -> list[Values]:
        out = []
        for col in columns:
            values = self.arrays[self.columns.index(col)]
            data = values.data
            if values.kind == "str":
                out.append(Values("str", [data[i] for i in rows.tolist()]))
            else:
                out.append(Values(values.kind, data[rows], values.scale))
        return out


@dataclass
class FkPicker:
    fk: ForeignKey
    parent: KeySource | None  # None: self-reference
    key: np.uint64
    skew: float
    null_fraction: float
    one_to_one: bool = False
    perm: rnd.Permutation | None = field(default=None)

    def parent_rows(self, rows: np.ndarray, local: np.ndarray) -> np.ndarray:
        """Parent local rows for these (hash) rows; -1 means NULL."""
        if self.parent is None:  # self-reference: an earlier row of the same table
            u = rnd.uniform(rows, self.key)
            picks = (u * local).astype(np.int64)
            roots = local == 0
            if self.null_fraction > 0:
                roots |= rnd.uniform(rows, self.key ^ np.uint64(7)) < self.null_fraction
                return np.where(roots, -1, picks)
            return np.where(roots, local, picks)  # NOT NULL: a root is its own parent
        n = self.parent.n
        if self.perm is None or self.perm.n != n:
            self.perm = rnd.Permutation(n, self.key)
        if self.one_to_one:
            picks = self.perm(local % n)
        else:
            picks = self.perm(rnd.zipf_rank(rnd.uniform(rows, self.key), n, self.skew))
        if self.null_fraction > 0:
            nulls = rnd.uniform(rows, self.key ^ np.uint64(7)) < self.null_fraction
            picks = np.where(nulls, -1, picks)
        return picks
