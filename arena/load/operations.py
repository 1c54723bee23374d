"""Operations generated from a Schema: the SQL a load runs, quoted and parameterised per dialect.

An Operation is data (kind, table, SQL text, how to make each parameter); `Workload`
(arena/load/workload.py) turns it into parameter values at run time. Every dialect difference
comes from the Engine (quote, table_ref, limit, insert_sql, placeholder).

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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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


def _quoter(engine: Engine) -> tuple[Any, Any]:
    """(quote, table_ref) for statements that run WITH parameters: "format" drivers (PyMySQL,
    psycopg) read every % in such a statement as a placeholder start, even one inside a
    quoted name such as "50%_off" (issue 8), so it is doubled; "qmark" drivers (sqlite3,
    pyodbc) skip quoted names when they look for ? and :name."""
    if engine.paramstyle != "format":
        return engine.quote, engine.table_ref
    return (
        lambda name: engine.quote(name).replace("%", "%%"),
        lambda table: engine.table_ref(table).replace("%", "%%"),
    )


def single_pk(table: Table) -> Column | None:
    if len(table.primary_key) != 1:
        return None
    return table.column(table.primary_key[0])


def range_column(table: Table) -> Column | None:
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
    (q, table_ref), ph, limit = _quoter(engine), engine.placeholder, engine.limit
    by_kind: dict[str, list[Operation]] = {k: [] for k in KINDS}
    tables = {t.name: t for t in schema.tables if not t.partitioned or t.primary_key}
    for table in schema.tables:
        ref = table_ref(table)
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
                    limit(f"SELECT * FROM {ref} WHERE {k} > {ph} ORDER BY {k}", PAGE_SIZE),
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
        ranged = range_column(table)
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
                    limit(f"SELECT * FROM {ref} WHERE {where} ORDER BY {rc}", RANGE_ROWS),
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
    q, table_ref = _quoter(engine)
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
    # An identity key comes back from the statement where the engine can say it, else from
    # the driver's lastrowid.
    returns_key = key.identity and engine.capabilities.returning
    # Random FK picks into a table with a unique key over them (cart_items (cart_id,
    # product_id), reviews (user_id, product_id)) sometimes draw a pair that exists. An app
    # does not fail "add to cart" then: the insert yields to the existing row, and arena
    # remembers no key, so its deletes still touch only rows it inserted.
    sql = engine.insert_sql(
        table_ref(table), [q(c.name) for c in columns],
        q(key.name) if returns_key else None, bool(table.uniques),
    )  # fmt: skip
    return Operation(
        f"insert {table.name}", "insert", table.name, sql, tuple(params),
        fetch=returns_key, returns_key=returns_key,
        key_from_lastrowid=key.identity and not returns_key,
    )  # fmt: skip


def _join_op(engine: Engine, child: Table, parent: Table, fk: ForeignKey) -> Operation:
    (q, table_ref), ph = _quoter(engine), engine.placeholder
    parent_key = single_pk(parent)
    assert parent_key is not None
    c_ref, p_ref = table_ref(child), table_ref(parent)
    order = ", ".join(f"c.{q(k)}" for k in child.primary_key) or f"c.{q(fk.columns[0])}"
    sql = (
        f"SELECT c.*, p.* FROM {c_ref} c JOIN {p_ref} p ON c.{q(fk.columns[0])} = "
        f"p.{q(parent_key.name)} WHERE p.{q(parent_key.name)} = {ph} ORDER BY {order}"
    )
    return Operation(
        f"join {child.name}>{parent.name}", "join", child.name,
        engine.limit(sql, 50), (Param("key", parent.name),),
    )  # fmt: skip
