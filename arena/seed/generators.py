"""Column generators: vectorised, deterministic, random-access (see arena/seed/counter_random.py).

`Gen.generate(rows)` returns the values of the given absolute row numbers. `unique=True`
asks for distinct values for distinct rows; generators that can promise it say so with
`can_be_unique` and `capacity` (how many distinct values exist). Which generator a column
gets is arena/seed/inference.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arena.seed import counter_random as rnd
from arena.seed.values import Pool, Values

# Timestamps default to the two years before this fixed instant: a wall-clock "now" would
# make two runs of the same seed differ. Configurable per column (start/end).
DEFAULT_END = int(np.datetime64("2025-01-01T00:00:00", "s").astype(np.int64))
DEFAULT_SPAN_DAYS = 730
# Share of rows per hour of the day (quiet nights, a lunch bump, an evening peak) and per
# day of the week, Monday first: the daily and weekly patterns of real traffic.
HOUR_WEIGHTS = np.array(
    [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 10, 9, 8, 8, 8, 9, 10, 11, 12, 10, 7, 4], dtype=float
)
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 0.8, 0.7])
POOL_SIZE = 4096

# Largest values per integer type (signed), for ranges without a CHECK.
INT_MAX = {"smallint": 32_767, "int": 2_147_483_647, "bigint": 9_007_199_254_740_991}


class Gen:
    kind = "int"
    can_be_unique = False
    capacity: int | None = None  # distinct values available (None: as many as rows)

    def __init__(self, key: np.uint64) -> None:
        self.key = key

    def generate(self, rows: np.ndarray, unique: bool = False) -> Values:
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__.removesuffix("Gen").lower()


# -- numbers --------------------------------------------------------------------------------


class SequenceGen(Gen):
    """1, 2, 3...: integer primary keys and identity columns (explicit ids, see loaders)."""

    can_be_unique = True

    def __init__(self, key: np.uint64, start: int = 1) -> None:
        super().__init__(key)
        self.start = start

    def generate(self, rows, unique=False):
        return Values("int", rows.astype(np.int64) + self.start)


class IntGen(Gen):
    can_be_unique = True

    def __init__(self, key, low: int, high: int, skew: float = 0.0) -> None:
        super().__init__(key)
        if high < low:
            raise ValueError(f"empty range [{low}, {high}]")
        self.low, self.high, self.skew = int(low), int(high), skew
        self.capacity = self.high - self.low + 1
        self.perm = rnd.Permutation(self.capacity, key)

    def generate(self, rows, unique=False):
        n = self.capacity
        if unique:
            return Values("int", self.low + self.perm(rows % n))
        u = rnd.uniform(rows, self.key)
        offsets = rnd.zipf_rank(u, n, self.skew) if self.skew else np.minimum((u * n), n - 1)
        return Values("int", self.low + offsets.astype(np.int64))


class DecimalGen(Gen):
    """Exact decimals within [low, high] at `scale` digits; lognormal around `median` (prices,
    amounts: many small, a few large) or uniform."""

    kind = "decimal"
    can_be_unique = True

    def __init__(self, key, low, high, scale: int, median: float | None = None, sigma=0.9):
        super().__init__(key)
        self.scale = scale
        unit = 10**scale
        self.low_i, self.high_i = int(np.ceil(low * unit)), int(np.floor(high * unit))
        if self.high_i < self.low_i:
            raise ValueError(f"empty range [{low}, {high}] at scale {scale}")
        self.median, self.sigma = median, sigma
        self.capacity = self.high_i - self.low_i + 1
        self.perm = rnd.Permutation(self.capacity, key)

    def generate(self, rows, unique=False):
        if unique:
            return Values("decimal", self.low_i + self.perm(rows % self.capacity), self.scale)
        if self.median is not None:
            raw = self.median * np.exp(self.sigma * rnd.normal(rows, self.key))
            scaled = np.rint(raw * 10**self.scale).astype(np.int64)
        else:
            u = rnd.uniform(rows, self.key)
            scaled = self.low_i + (u * self.capacity).astype(np.int64)
        return Values("decimal", np.clip(scaled, self.low_i, self.high_i), self.scale)


class BoolGen(Gen):
    kind = "bool"
    capacity = 2
    can_be_unique = True

    def __init__(self, key, p_true: float = 0.5) -> None:
        super().__init__(key)
        self.p_true = p_true

    def generate(self, rows, unique=False):
        if unique:
            return Values("bool", (rows % 2) == 0)
        return Values("bool", rnd.uniform(rows, self.key) < self.p_true)


# -- choices and strings ------------------------------------------------------------------


class ChoiceGen(Gen):
    """One of a fixed list (enum labels, CHECK IN lists, status words), optionally weighted."""

    can_be_unique = True

    def __init__(self, key, values: list[Any], weights: list[float] | None = None) -> None:
        super().__init__(key)
        if not values:
            raise ValueError("no values to choose from")
        self.values = list(values)
        self.weights = np.asarray(weights if weights else [1.0] * len(values), dtype=float)
        if len(self.weights) != len(self.values):
            raise ValueError("weights and values differ in length")
        self.capacity = len(values)
        if all(isinstance(v, bool) for v in values):
            self.kind, self.array = "bool", np.array(values, dtype=bool)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            self.kind, self.array = "int", np.array(values, dtype=np.int64)
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            self.scale = max(_decimals(v) for v in values)
            self.kind = "decimal"
            self.array = np.array([round(v * 10**self.scale) for v in values], dtype=np.int64)
        else:
            self.kind, self.pool = "str", Pool.of([str(v) for v in values])

    def generate(self, rows, unique=False):
        idx = (rows % self.capacity) if unique else rnd.weighted(rows, self.key, self.weights)
        if self.kind == "str":
            return Values("str", (self.pool, idx))
        if self.kind == "decimal":
            return Values("decimal", self.array[idx], self.scale)
        return Values(self.kind, self.array[idx])


def _decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


class PoolGen(Gen):
    """A string from a pool built once per column (names, cities, sentences...)."""

    kind = "str"
    can_be_unique = True

    def __init__(self, key, strings: list[str], skew: float = 0.0, label: str = "pool"):
        super().__init__(key)
        distinct = list(dict.fromkeys(strings))
        self.pool = Pool.of(distinct)
        self.capacity = len(distinct)
        self.skew = skew
        self.label = label
        self.perm = rnd.Permutation(self.capacity, key)

    def generate(self, rows, unique=False):
        n = self.capacity
        if unique:
            idx = self.perm(rows % n)
        else:
            idx = self.perm(rnd.zipf_rank(rnd.uniform(rows, self.key), n, self.skew))
        return Values("str", (self.pool, idx))

    def describe(self) -> str:
        return self.label


class RowStringGen(Gen):
    """A string built per row around the row number, so it is unique by construction
    (emails, usernames, slugs, SKUs). Falls back to a compact token when the column is too
    short for the pretty form."""

    kind = "str"
    can_be_unique = True

    def __init__(self, key, build: Callable, max_len: int | None, label: str) -> None:
        super().__init__(key)
        self.build, self.max_len, self.label = build, max_len, label
        if max_len is not None:
            self.capacity = 36 ** min(max_len, 12)
        self.token = TokenGen(key, min(max_len or 12, 12))

    def generate(self, rows, unique=False):
        values = self.build(self.key, rows)
        if self.max_len is not None:
            too_long = [i for i, v in enumerate(values) if len(v) > self.max_len]
            if too_long:
                tokens = self.token.strings(rows[too_long])
                for i, token in zip(too_long, tokens, strict=True):
                    values[i] = token
        return Values("str", values)

    def describe(self) -> str:
        return self.label


class TokenGen(Gen):
    """Fixed-width base-36 codes of permuted row numbers: unique, compact, not sequential."""

    kind = "str"
    can_be_unique = True
    ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)

    def __init__(self, key, width: int, prefix: str = "") -> None:
        super().__init__(key)
        self.width, self.prefix = max(1, width), prefix
        self.capacity = 36 ** min(self.width, 12)
        self.perm = rnd.Permutation(min(self.capacity, 2**62), key)

    def strings(self, rows: np.ndarray) -> list[str]:
        codes = self.perm(rows % self.perm.n)
        matrix = np.empty((len(rows), self.width), dtype=np.uint8)
        rest = codes.copy()
        for col in range(self.width - 1, -1, -1):
            matrix[:, col] = self.ALPHABET[rest % 36]
            rest //= 36
        raw = matrix.view(f"S{self.width}").ravel().astype(str).tolist()
        return [self.prefix + v for v in raw] if self.prefix else raw

    def generate(self, rows, unique=False):
        return Values("str", self.strings(rows))

    def describe(self) -> str:
        return "token"


class UuidGen(Gen):
    """Version-4-shaped UUIDs; the high half is a bijection of the row, so they are unique."""

    kind = "str"
    can_be_unique = True

    def generate(self, rows, unique=False):
        high = rnd.mix64(rows, self.key)
        low = rnd.mix64(rows, self.key ^ np.uint64(0xA5A5A5A5))
        low = (low & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
        text = [
            f"{h >> 32:08x}-{(h >> 16) & 0xFFFF:04x}-4{h & 0xFFF:03x}-{lo >> 48:04x}-{lo & 0xFFFFFFFFFFFF:012x}"
            for h, lo in zip(high.tolist(), low.tolist(), strict=True)
        ]
        return Values("str", text)


class BytesGen(Gen):
    kind = "bytes"

    def __init__(self, key, length: int = 16) -> None:
        super().__init__(key)
        self.length = length

    def generate(self, rows, unique=False):
        words_needed = (self.length + 7) // 8
        parts = [rnd.mix64(rows, self.key + np.uint64(i)) for i in range(words_needed)]
        matrix = np.stack(parts, axis=1).view(np.uint8)[:, : self.length]
        return Values("bytes", [bytes(r) for r in matrix])


class NullGen(Gen):
    """NULL in every row: a NOT NULL column a BEFORE INSERT trigger sets."""

    kind = "str"

    def generate(self, rows, unique=False):
        return Values("str", [""] * len(rows), nulls=np.ones(len(rows), dtype=bool))

    def describe(self) -> str:
        return "null (a trigger sets it)"


# -- time ---------------------------------------------------------------------------------


class TimestampGen(Gen):
    """Seconds in [start, end): days weighted by weekday, hours by the daily curve."""

    kind = "timestamp"
    can_be_unique = True

    def __init__(self, key, start: int | None = None, end: int | None = None) -> None:
        super().__init__(key)
        self.end = DEFAULT_END if end is None else int(end)
        self.start = self.end - DEFAULT_SPAN_DAYS * 86400 if start is None else int(start)
        if self.end <= self.start:
            raise ValueError("the time range is empty")
        self.first_day = self.start // 86400
        days = max(1, (self.end - self.start) // 86400)
        weekday = (np.arange(self.first_day, self.first_day + days) + 3) % 7  # 1970-01-01: Thu
        self.day_weights = WEEKDAY_WEIGHTS[weekday]
        self.capacity = self.end - self.start
        self.perm = rnd.Permutation(self.capacity, key)

    def seconds(self, rows: np.ndarray, unique: bool = False) -> np.ndarray:
        if unique:
            return self.start + self.perm(rows % self.capacity)
        day = self.first_day + rnd.weighted(rows, self.key, self.day_weights)
        hour = rnd.weighted(rows, self.key ^ np.uint64(1), HOUR_WEIGHTS)
        second = rnd.integers(rows, self.key ^ np.uint64(2), 3600)
        return np.clip(day * 86400 + hour * 3600 + second, self.start, self.end - 1)

    def generate(self, rows, unique=False):
        return Values("timestamp", self.seconds(rows, unique))


class DateGen(TimestampGen):
    kind = "date"

    def __init__(self, key, start=None, end=None) -> None:
        super().__init__(key, start, end)
        self.capacity = max(1, self.capacity // 86400)

    def generate(self, rows, unique=False):
        if unique:
            return Values("date", self.first_day + self.perm(rows % self.capacity) % self.capacity)
        return Values("date", self.seconds(rows) // 86400)


class TimeGen(TimestampGen):
    kind = "time"

    def generate(self, rows, unique=False):
        return Values("time", self.seconds(rows) % 86400)


class AfterGen(Gen):
    """A value after another column's value in the same row (updated_at >= created_at,
    ends_at > starts_at): the base generator is re-run for the same rows (random-access)."""

    def __init__(
        self, key, base: Gen, min_delta: float, max_delta: float, strict: bool, high=None
    ) -> None:
        """`high`: the column's own upper bound (numbers): values are clipped to it; the
        base column's bound was lowered to leave room (TableGen._propagate_after_bounds)."""
        super().__init__(key)
        self.base, self.kind = base, base.kind
        self.min_delta, self.max_delta, self.strict = min_delta, max_delta, strict
        self.high = high

    def generate(self, rows, unique=False):
        base = self.base.generate(rows)
        u = rnd.uniform(rows, self.key)
        if self.kind == "decimal":
            unit = 10**base.scale
            delta = np.rint((self.min_delta + u * (self.max_delta - self.min_delta)) * unit)
            delta = np.maximum(delta.astype(np.int64), 1 if self.strict else 0)
            out = base.data + delta
            if self.high is not None:
                out = np.minimum(out, int(np.floor(self.high * unit)))
            return Values("decimal", out, base.scale)
        # seconds for timestamps/times, days for dates, units for ints
        delta = (self.min_delta + u * u * (self.max_delta - self.min_delta)).astype(np.int64)
        delta = np.maximum(delta, 1 if self.strict else 0)
        out = base.data + delta
        if self.high is not None and self.kind == "int":
            out = np.minimum(out, int(np.floor(self.high)))
        return Values(self.kind, out)

    def describe(self) -> str:
        return f"after({self.base.describe()})"
