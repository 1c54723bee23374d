"""Run-time values for generated operations: key pools read once from the database
(existing keys per table, sampled ranges of scanned columns), fresh column values within
their types and CHECKs, and the keys arena itself inserted (the only rows it ever deletes)."""

from __future__ import annotations

import datetime as dt
import decimal
import random
import string
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arena.errors import ArenaError
from arena.load.operations import (
    INTEGER_LOGICAL,
    KEY_SLICE,
    READ_KINDS,
    Operation,
    range_column,
    single_pk,
)

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.schema import Schema, Table


@dataclass
class KeyPool:
    """Existing keys of one table: a dense integer range, or a sorted sample."""

    low: int | None = None
    high: int | None = None
    sample: list[Any] = field(default_factory=list)
    rows: int = 0

    def pick(self, rng: random.Random) -> Any:
        if self.low is not None and self.high is not None:
            return rng.randint(self.low, self.high)
        if not self.sample:
            return None
        return self.sample[rng.randrange(len(self.sample))]

    def pick_skewed(self, rng: random.Random, skew: float) -> Any:
        """A key drawn zipf-like: rank r is picked with weight 1/r**skew (0: uniform). The
        hot ranks are spread over the key space (a fixed scramble), not the lowest keys."""
        size = self.high - self.low + 1 if self.low is not None and self.high is not None else 0
        size = size or len(self.sample)
        if skew <= 0 or size <= 1:
            return self.pick(rng)
        index = (zipf_rank(size, skew, rng) * 2654435761) % size
        if self.low is not None:
            return self.low + index
        return self.sample[index]


def zipf_rank(n: int, s: float, rng: random.Random) -> int:
    """A rank in 0..n-1, rank r with probability ~ 1/(r+1)**s (continuous inverse CDF)."""
    u = rng.random()
    if abs(s - 1.0) < 1e-9:
        x = n**u
    else:
        x = ((n ** (1 - s) - 1) * u + 1) ** (1 / (1 - s))
    return min(n - 1, max(0, int(x) - 1))


@dataclass
class ColumnRange:
    low: Any
    high: Any


SAMPLE_KEYS = 10_000
# arena's own inserted keys kept per table for deletes to take: a mix with inserts and no
# (or fewer) deletes would otherwise keep every key of the run (~40 bytes each, issue 8's
# soak). Older keys are forgotten, and their rows simply stay.
INSERTED_KEYS_KEPT = 10_000


def read_pools(
    engine: Engine, conn: Any, schema: Schema, tables: set[str]
) -> tuple[dict[str, KeyPool], dict[tuple[str, str], ColumnRange]]:
    """One pass over the catalogued tables the operations touch: key ranges or samples, and
    min/max of the columns range scans walk."""
    q = engine.quote
    cur = conn.cursor()
    pools: dict[str, KeyPool] = {}
    ranges: dict[tuple[str, str], ColumnRange] = {}
    for table in schema.tables:
        if table.name not in tables:
            continue
        ref = engine.table_ref(table)
        key = single_pk(table)
        cur.execute(f"SELECT COUNT(*) FROM {ref}")
        rows = int(cur.fetchone()[0])
        pool = KeyPool(rows=rows)
        if key is not None and rows:
            k = q(key.name)
            if key.logical in INTEGER_LOGICAL:
                cur.execute(f"SELECT MIN({k}), MAX({k}) FROM {ref}")
                low, high = cur.fetchone()
                if high - low + 1 == rows:  # dense: every key in the range exists
                    pool.low, pool.high = int(low), int(high)
            if pool.low is None:
                cur.execute(engine.limit(f"SELECT {k} FROM {ref} ORDER BY {k}", SAMPLE_KEYS))
                pool.sample = [r[0] for r in cur.fetchall()]
        pools[table.name] = pool
        ranged = range_column(table)
        if ranged is not None and ranged.name not in table.primary_key and rows:
            c = q(ranged.name)
            cur.execute(f"SELECT MIN({c}), MAX({c}) FROM {ref}")
            low, high = cur.fetchone()
            if low is not None:
                ranges[(table.name, ranged.name)] = ColumnRange(low, high)
    return pools, ranges


def _window(r: ColumnRange, rng: random.Random) -> tuple[Any, Any]:
    """A window of ~1/1000 of the column's span at a random place."""
    low, high = r.low, r.high
    if isinstance(low, str):
        return _text_window(low, high, rng)
    if isinstance(low, decimal.Decimal):
        low, high = float(low), float(high)
    span = high - low
    start = low + span * rng.random()
    width = span / 1000
    if isinstance(low, int):
        start, width = int(start), max(1, int(width))
    if isinstance(low, dt.date) and not isinstance(low, dt.datetime):
        width = max(width, dt.timedelta(days=1))
    return start, start + width


def _text_window(low: str, high: str, rng: random.Random) -> tuple[Any, Any]:
    """SQLite keeps dates and timestamps as ISO text: window over the parsed values and
    write them back in the column's own spelling, so text comparison still orders them."""
    try:
        parsed = (dt.datetime.fromisoformat(low), dt.datetime.fromisoformat(high))
    except ValueError:
        return low, high  # not temporal text: the whole range, capped by the LIMIT
    start, end = _window(ColumnRange(*parsed), rng)
    if len(low) == 10:
        return start.date().isoformat(), end.date().isoformat()
    sep = "T" if "T" in low else " "
    return start.isoformat(sep), end.isoformat(sep)


class ValueMaker:
    """A fresh, valid value for a column: type, length, CHECK bounds and enums respected."""

    def __init__(self, table: Table, salt: str = "") -> None:
        self.table = table
        self.checks = {c.column: c for c in table.checks if c.column}
        # Text that must be unique on its own starts with the run's salt: the operation seed
        # repeats the same values run after run, and the last run's rows are still there.
        self.salted = {u.columns[0] for u in table.uniques if len(u.columns) == 1}
        self.salt = salt

    def make(self, column_name: str, rng: random.Random) -> Any:
        col = self.table.column(column_name)
        check = self.checks.get(col.name)
        if check is not None and check.allowed:
            return rng.choice(check.allowed)
        if col.enum_values:
            return rng.choice(col.enum_values)
        logical = col.logical
        if logical in INTEGER_LOGICAL or logical in {"decimal", "float"}:
            low = check.low if check is not None and check.low is not None else 0
            high = check.high if check is not None and check.high is not None else 10_000
            if check is not None and check.low is not None and not check.low_inclusive:
                low += 1
            if logical in INTEGER_LOGICAL:
                high = min(high, 32_000 if logical == "smallint" else high)
                return rng.randint(int(low), max(int(low), int(high) - 1))
            value = round(rng.uniform(low, high - 0.01 if high > low else low), 2)
            if col.precision and col.scale is not None:
                limit = 10 ** (col.precision - col.scale) - 1
                value = min(value, float(limit))
            return value
        if logical in {"varchar", "char", "text"}:
            size = max(1, min(col.length or 24, 24))
            text = "".join(rng.choices(string.ascii_lowercase, k=size))
            if col.name in self.salted and size > len(self.salt) + 8:
                text = (self.salt + text)[:size]
            return text
        if logical == "bool":
            return rng.random() < 0.5
        if logical == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if logical == "date":
            return dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(730))
        if logical in {"timestamp", "timestamptz"}:
            return dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(63_072_000))
        if logical == "time":
            return dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60))
        if logical == "json":
            return f'{{"arena": {rng.randrange(1_000_000)}}}'
        if logical == "blob":
            return rng.randbytes(16)
        raise ArenaError(
            f"Cannot generate values for {self.table.name}.{col.name} ({col.data_type}).",
            "Leave that table out of the mix, or give it custom SQL.",
        )


class Workload:
    """Per process: the pools, arena's own keys, and parameter making for every operation."""

    def __init__(
        self,
        schema: Schema,
        pools: dict[str, KeyPool],
        ranges: dict[tuple[str, str], ColumnRange],
        process_index: int = 0,
        salt: str = "",
    ) -> None:
        self.schema = schema
        self.pools = pools
        self.ranges = ranges
        self.values = {t.name: ValueMaker(t, salt) for t in schema.tables}
        self.inserted: dict[str, deque[Any]] = {}
        self._next_key: dict[str, int] = {}
        self.process_index = process_index

    def empty_tables(self, ops: list[Operation]) -> list[str]:
        needed = {p.table for op in ops for p in op.params if p.source in {"key", "key_end"}}
        needed |= {op.table for op in ops if op.kind in READ_KINDS and op.kind != "custom"}
        return sorted(t for t in needed if t in self.pools and self.pools[t].rows == 0)

    def new_key(self, table: str) -> int:
        nxt = self._next_key.get(table)
        if nxt is None:
            pool = self.pools.get(table, KeyPool())
            top = pool.high if pool.high is not None else max(pool.sample or [0])
            nxt = int(top) + 1 + self.process_index * KEY_SLICE
        self._next_key[table] = nxt + 1
        return nxt

    def params(self, op: Operation, rng: random.Random) -> tuple[Any, ...] | None:
        """The parameter values, or None when the operation cannot run now (nothing of
        arena's to delete yet)."""
        out: list[Any] = []
        last_key: Any = None
        window: tuple[Any, Any] | None = None
        for p in op.params:
            src = p.source
            if src == "key":
                last_key = self.pools[p.table].pick(rng)
                out.append(last_key)
            elif src == "key_end":
                out.append(last_key + p.width)
            elif src in ("range_lo", "range_hi"):
                if window is None:
                    span = self.ranges.get((p.table, p.column))
                    if span is None:  # the column holds only NULLs: nothing to scan yet
                        return None
                    window = _window(span, rng)
                out.append(window[0] if src == "range_lo" else window[1])
            elif src == "value":
                out.append(self.values[p.table].make(p.column, rng))
            elif src == "new_key":
                column = self.schema.table(p.table).column(p.column)
                if column.logical in INTEGER_LOGICAL:
                    out.append(self.new_key(p.table))
                else:  # uuid / text keys: a fresh random value is as unique as it gets
                    out.append(self.values[p.table].make(p.column, rng))
            elif src == "arena_key":
                keys = self.inserted.get(p.table)
                if not keys:
                    return None
                out.append(keys.popleft())
            elif src == "int":
                out.append(rng.randint(int(p.args[0]), int(p.args[1])))
            elif src == "float":
                out.append(rng.uniform(float(p.args[0]), float(p.args[1])))
            elif src == "choice":
                out.append(rng.choice(p.args))
        return tuple(out)

    def remember_insert(self, op: Operation, params: tuple[Any, ...], key: Any) -> None:
        if op.key_from_lastrowid and not key:
            return  # MySQL's lastrowid is 0 when INSERT IGNORE kept the existing row
        if key is None:
            for p, value in zip(op.params, params, strict=True):
                if p.source == "new_key":
                    key = value
        if key is not None:
            self.inserted.setdefault(op.table, deque(maxlen=INSERTED_KEYS_KEPT)).append(key)
