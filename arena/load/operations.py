"""Operations generated from a Schema: the SQL a load runs, quoted and parameterised per dialect.

An Operation is data (kind, table, SQL text, how to make each parameter); `Workload` turns it
into parameter values at run time from key pools read once from the database (existing keys
per table) and the keys arena itself inserted (the only rows it ever deletes).

Kinds (the words of a mix):
  pk_lookup   SELECT * FROM t WHERE pk = ?
  range_scan  SELECT * FROM t WHERE col >= ? AND col < ? ORDER BY col (an indexed column)
  insert      INSERT INTO t (...) VALUES (...), FK columns from existing parent keys
  update      UPDATE t SET <non-key column> = ? WHERE pk = ?
  delete      DELETE FROM t WHERE pk = ?, only keys this run inserted
  aggregate   SELECT COUNT(*), SUM/AVG/MAX(x) FROM t WHERE <index range>
  join        child JOIN parent along a foreign key, for one parent key
  pagination  keyset page: WHERE pk > ? ORDER BY pk, 20 rows
  custom      parameterised SQL from a mix YAML
"""

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

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.schema import Column, ForeignKey, Schema, Table

KINDS = (
    "pk_lookup", "range_scan", "insert", "update", "delete", "aggregate", "join", "pagination",
)  # fmt: skip
READ_KINDS = frozenset({"pk_lookup", "range_scan", "aggregate", "join", "pagination"})
PAGE_SIZE = 20
RANGE_ROWS = 100  # rows a range scan covers on a dense integer key
INTEGER_LOGICAL = frozenset({"smallint", "int", "bigint"})
RANGE_LOGICAL = INTEGER_LOGICAL | {"decimal", "float", "date", "timestamp", "timestamptz"}
# Where arena's own non-identity integer keys start above the table's max (per process slice).
KEY_SLICE = 10_000_000


@dataclass(frozen=True, slots=True)
class Param:
    """How to make one parameter: source is one of
    key (an existing key of `table`), key_end (key + `width`), range_lo / range_hi (a window
    inside the sampled range of `column`), new_key (arena's next key for `table`),
    value (a fresh value for `column`), arena_key (a key arena inserted into `table`),
    int / float / choice (custom SQL: `args`)."""

    source: str
    table: str = ""
    column: str = ""
    width: int = 0
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Operation:
    name: str  # "pk_lookup orders"; the histogram key
    kind: str
    table: str
    sql: str
    params: tuple[Param, ...] = ()
    fetch: bool = True  # reads return rows; writes do not (unless RETURNING)
    returns_key: bool = False  # an insert whose statement returns the new key
    key_from_lastrowid: bool = False  # MySQL: the driver's lastrowid is the new key


# -- SQL building -------------------------------------------------------------------------


def _limit(engine: Engine, sql: str, n: int) -> str:
    """Append a row limit; SQL Server spells it OFFSET/FETCH (needs the ORDER BY we always
    write). https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql"""
    if engine.family == "sqlserver":
        return f"{sql} OFFSET 0 ROWS FETCH NEXT {n} ROWS ONLY"
    return f"{sql} LIMIT {n}"


def _table_ref(engine: Engine, table: Table) -> str:
    return (
        engine.qualified(table.schema or "", table.name)
        if table.schema
        else engine.quote(table.name)
    )


def single_pk(table: Table) -> Column | None:
    if len(table.primary_key) != 1:
        return None
    return table.column(table.primary_key[0])


def _range_column(table: Table) -> Column | None:
    """The column a range scan walks: an indexed numeric/temporal column other than the key
    (a real secondary-index scan), else an integer primary key."""
    pk = set(table.primary_key)
    for index in table.indexes:
        col = table.column(index.columns[0])
        if col.name not in pk and col.logical in RANGE_LOGICAL:
            return col
    key = single_pk(table)
    if key is not None and key.logical in INTEGER_LOGICAL:
        return key
    return None


def _fk_columns(table: Table) -> set[str]:
    return {c for fk in table.foreign_keys for c in fk.columns}


def _unique_columns(table: Table) -> set[str]:
    return {c for u in table.uniques for c in u.columns}


def _update_column(table: Table) -> Column | None:
    skip = set(table.primary_key) | _fk_columns(table) | _unique_columns(table)
    candidates = [c for c in table.insertable_columns if c.name not in skip]
    for preferred in (INTEGER_LOGICAL | {"decimal", "float"}, {"varchar", "text", "char"}):
        for col in candidates:
            if col.logical in preferred:
                return col
    return candidates[0] if candidates else None


def _measure_column(table: Table) -> Column | None:
    skip = set(table.primary_key) | _fk_columns(table)
    for col in table.columns:
        if col.name not in skip and col.logical in {"decimal", "float", "int", "bigint"}:
            return col
    return None


def _insert_columns(table: Table) -> list[Column]:
    """Columns an insert writes: keys, FKs, and every column the server cannot fill itself."""
    keys = set(table.primary_key) | _fk_columns(table)
    return [
        c for c in table.insertable_columns if c.name in keys or c.default is None or not c.nullable
    ]


def build_operations(engine: Engine, schema: Schema) -> dict[str, list[Operation]]:
    """kind -> the operations of that kind over every table that supports it."""
    q, ph = engine.quote, engine.placeholder
    by_kind: dict[str, list[Operation]] = {k: [] for k in KINDS}
    tables = {t.name: t for t in schema.tables if not t.partitioned or t.primary_key}
    for table in schema.tables:
        ref = _table_ref(engine, table)
        key = single_pk(table)
        if key is not None:
            k = q(key.name)
            by_kind["pk_lookup"].append(
                Operation(
                    f"pk_lookup {table.name}", "pk_lookup", table.name,
                    f"SELECT * FROM {ref} WHERE {k} = {ph}", (Param("key", table.name),),
                )
            )  # fmt: skip
            by_kind["pagination"].append(
                Operation(
                    f"pagination {table.name}", "pagination", table.name,
                    _limit(engine, f"SELECT * FROM {ref} WHERE {k} > {ph} ORDER BY {k}", PAGE_SIZE),
                    (Param("key", table.name),),
                )
            )  # fmt: skip
            by_kind["insert"].append(_insert_op(engine, table, key))
            by_kind["delete"].append(
                Operation(
                    f"delete {table.name}", "delete", table.name,
                    f"DELETE FROM {ref} WHERE {k} = {ph}", (Param("arena_key", table.name),),
                    fetch=False,
                )
            )  # fmt: skip
            target = _update_column(table)
            if target is not None:
                by_kind["update"].append(
                    Operation(
                        f"update {table.name}", "update", table.name,
                        f"UPDATE {ref} SET {q(target.name)} = {ph} WHERE {k} = {ph}",
                        (Param("value", table.name, target.name), Param("key", table.name)),
                        fetch=False,
                    )
                )  # fmt: skip
        ranged = _range_column(table)
        if ranged is not None:
            rc = q(ranged.name)
            if ranged.name in table.primary_key:
                window: tuple[Param, ...] = (
                    Param("key", table.name),
                    Param("key_end", table.name, width=RANGE_ROWS),
                )
            else:
                window = (
                    Param("range_lo", table.name, ranged.name),
                    Param("range_hi", table.name, ranged.name),
                )
            where = f"{rc} >= {ph} AND {rc} < {ph}"
            by_kind["range_scan"].append(
                Operation(
                    f"range_scan {table.name}", "range_scan", table.name,
                    _limit(engine, f"SELECT * FROM {ref} WHERE {where} ORDER BY {rc}", RANGE_ROWS),
                    window,
                )
            )  # fmt: skip
            measure = _measure_column(table)
            aggregates = "COUNT(*)" + (
                f", SUM({q(measure.name)}), AVG({q(measure.name)}), MAX({q(measure.name)})"
                if measure is not None
                else ""
            )
            by_kind["aggregate"].append(
                Operation(
                    f"aggregate {table.name}", "aggregate", table.name,
                    f"SELECT {aggregates} FROM {ref} WHERE {where}", window,
                )
            )  # fmt: skip
        for fk in table.foreign_keys:
            parent = tables.get(fk.ref_table)
            if parent is None or len(fk.columns) != 1 or single_pk(parent) is None:
                continue
            by_kind["join"].append(_join_op(engine, table, parent, fk))
    return by_kind


def _insert_op(engine: Engine, table: Table, key: Column) -> Operation:
    q, ph = engine.quote, engine.placeholder
    fk_parent = {fk.columns[0]: fk.ref_table for fk in table.foreign_keys if len(fk.columns) == 1}
    columns = _insert_columns(table)
    params = []
    for col in columns:
        if col.name == key.name:
            params.append(Param("new_key", table.name, col.name))
        elif col.name in fk_parent:
            params.append(Param("key", fk_parent[col.name]))
        else:
            params.append(Param("value", table.name, col.name))
    names = ", ".join(q(c.name) for c in columns)
    values = ", ".join(ph for _ in columns)
    ref = _table_ref(engine, table)
    returns_key = lastrowid = False
    output = returning = ""
    if key.identity:
        if engine.family == "sqlserver":
            output = f" OUTPUT INSERTED.{q(key.name)}"
            returns_key = True
        elif engine.capabilities.returning:
            returning = f" RETURNING {q(key.name)}"
            returns_key = True
        else:
            lastrowid = True
    # Random FK picks into a table with a unique key over them (cart_items (cart_id,
    # product_id), reviews (user_id, product_id)) sometimes draw a pair that exists. An app
    # does not fail "add to cart" then: the insert yields to the existing row, and arena
    # remembers no key, so its deletes still touch only rows it inserted.
    insert, conflict = "INSERT INTO", ""
    if table.uniques:
        if engine.family in ("postgres", "sqlite"):
            conflict = " ON CONFLICT DO NOTHING"
        elif engine.family == "mysql":
            insert = "INSERT IGNORE INTO"
    if columns:
        sql = f"{insert} {ref} ({names}){output} VALUES ({values}){conflict}{returning}"
    else:
        sql = f"INSERT INTO {ref}{output} DEFAULT VALUES{returning}"
        if engine.family == "mysql":
            sql = f"INSERT INTO {ref} () VALUES ()"
    return Operation(
        f"insert {table.name}", "insert", table.name, sql, tuple(params),
        fetch=returns_key, returns_key=returns_key, key_from_lastrowid=lastrowid,
    )  # fmt: skip


def _join_op(engine: Engine, child: Table, parent: Table, fk: ForeignKey) -> Operation:
    q, ph = engine.quote, engine.placeholder
    parent_key = single_pk(parent)
    assert parent_key is not None
    c_ref, p_ref = _table_ref(engine, child), _table_ref(engine, parent)
    order = ", ".join(f"c.{q(k)}" for k in child.primary_key) or f"c.{q(fk.columns[0])}"
    sql = (
        f"SELECT c.*, p.* FROM {c_ref} c JOIN {p_ref} p ON c.{q(fk.columns[0])} = "
        f"p.{q(parent_key.name)} WHERE p.{q(parent_key.name)} = {ph} ORDER BY {order}"
    )
    return Operation(
        f"join {child.name}>{parent.name}", "join", child.name,
        _limit(engine, sql, 50), (Param("key", parent.name),),
    )  # fmt: skip


# -- run-time values -------------------------------------------------------------------


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


@dataclass
class ColumnRange:
    low: Any
    high: Any


SAMPLE_KEYS = 10_000
# arena's own inserted keys kept per table for deletes to take: a mix with inserts and no
# (or fewer) deletes would otherwise keep every key of the run (~40 bytes each, issue 8's
# soak). Older keys are forgotten, and their rows simply stay.
INSERTED_KEYS_KEPT = 100_000


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
        ref = _table_ref(engine, table)
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
                cur.execute(_limit(engine, f"SELECT {k} FROM {ref} ORDER BY {k}", SAMPLE_KEYS))
                pool.sample = [r[0] for r in cur.fetchall()]
        pools[table.name] = pool
        ranged = _range_column(table)
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
