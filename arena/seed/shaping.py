"""String columns under CHECK rules: a pattern to match, a length window, values to avoid.

`pattern_gen` draws strings that match every pattern CHECK of a column (arena/seed/patterns.py);
`fit` bends any other string generator into the length window and away from excluded values.
Both keep a unique column unique: pools hold distinct strings, and fixed-width tokens take
over when a unique column's window is too narrow for its usual generator.
"""

from __future__ import annotations

import re

from arena.schema import Column
from arena.seed import patterns
from arena.seed.generators import POOL_SIZE, Gen, PoolGen, TokenGen
from arena.seed.rules import ColumnRules
from arena.seed.values import Values

MAX_PATTERN_POOL = 200_000  # distinct strings drawn for a unique pattern column, at most


def max_length(col: Column, rule: ColumnRules) -> int | None:
    limits = [n for n in (col.length, rule.max_length) if n is not None]
    return min(limits) if limits else None


def pattern_gen(key, col: Column, rule: ColumnRules, unique: bool, rows: int) -> Gen:
    """Strings matching every pattern of the rule, within the length window."""
    wanted = min(max(POOL_SIZE, rows * 2), MAX_PATTERN_POOL) if unique else POOL_SIZE
    top = max_length(col, rule)
    first, *_ = rule.patterns
    strings = patterns.strings_matching(first, wanted, int(key), None)
    compiled = [re.compile(p) for p in rule.patterns]
    low = rule.min_length
    fitted, seen = [], set()
    for i, s in enumerate(strings):
        # Too short for a length CHECK: digits or letters appended may still match (LIKE 'P%').
        short = low - len(s)
        tries = [s] if short <= 0 else [s + str(i).rjust(short, "0")[-short:], s + "x" * short]
        for t in tries:
            if top is not None and len(t) > top:
                continue
            # casefold: a unique index under a case-insensitive collation (MySQL's default)
            # takes "Ab" and "AB" for the same key
            if all(c.search(t) for c in compiled) and t not in rule.excluded:
                if t.casefold() not in seen:
                    seen.add(t.casefold())
                    fitted.append(t)
                break
    strings = fitted
    if not strings:
        raise ValueError(f"no string matches all of its patterns {rule.patterns}")
    return PoolGen(key, strings, label="pattern")


class FitGen(Gen):
    """Another string generator's values padded (deterministic letters) or cut to fit
    [low, high] characters."""

    kind = "str"

    def __init__(self, key, base: Gen, low: int, high: int | None) -> None:
        super().__init__(key)
        self.base, self.low, self.high = base, low, high
        self.can_be_unique, self.capacity = False, base.capacity

    def generate(self, rows, unique=False):
        values = self.base.generate(rows, unique).to_python()
        pad = "abcdefghijklmnopqrstuvwxyz" * 8
        out = []
        for v in values:
            if v is None:
                out.append(v)
                continue
            if len(v) < self.low:
                v = v + pad[: self.low - len(v)]
            if self.high is not None and len(v) > self.high:
                v = v[: self.high].rstrip() or v[: self.high]
                v = v + pad[: max(0, self.low - len(v))]
            out.append(v)
        return Values("str", out)

    def describe(self) -> str:
        return f"fit({self.base.describe()})"


def fit(key, gen: Gen, col: Column, rule: ColumnRules, unique: bool) -> Gen:
    """`gen` bent to the rule's length window and exclusions (strings only)."""
    if gen.kind != "str":
        return gen
    top = rule.max_length
    low = rule.min_length
    excluded = {v for v in rule.excluded if isinstance(v, str)}
    if isinstance(gen, PoolGen):
        strings = [
            s
            for s in gen.pool.objects.tolist()
            if len(s) >= low and (top is None or len(s) <= top) and s not in excluded
        ]
        if strings:
            return PoolGen(key, strings, gen.skew, gen.label)
    if not (low or top is not None or excluded):
        return gen
    if unique:
        width = top if top is not None else max(low, 12)
        if width < low:
            raise ValueError(f"its length must be between {low} and {top}")
        return TokenGen(key, max(width, 1)) if width >= max(low, 1) else gen
    if top is not None and top < low:
        raise ValueError(f"its length must be between {low} and {top}")
    fitted = FitGen(key, gen, low, top)
    if excluded:
        return _Avoid(key, fitted, excluded)
    return fitted


class _Avoid(Gen):
    """Values equal to an excluded one get a suffix."""

    kind = "str"

    def __init__(self, key, base: Gen, excluded: set[str]) -> None:
        super().__init__(key)
        self.base, self.excluded = base, excluded
        self.capacity = base.capacity

    def generate(self, rows, unique=False):
        values = self.base.generate(rows, unique).to_python()
        return Values("str", [v + "x" if v in self.excluded else v for v in values])
