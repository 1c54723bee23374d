"""Provoke one violation of every constraint an introspected schema declares, and judge the
engine's answer.

Works on any seeded database, not only arena's domains: the constraints come from the catalog
(arena.introspect). Each violation rewrites one existing row (or deletes a referenced parent)
inside a transaction that is always rolled back, so even a violation the engine silently
accepts leaves no trace; the table's row count and checksum are compared before and after.
A constraint the engine accepted is a finding ("silently accepted"), not a crash; one arena
cannot provoke (no row to rewrite, a CHECK it cannot invert) is "skipped" with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arena.correctness import dialect
from arena.engines.base import error_text

# Tables larger than this get a checksum of the rows the violation touched, not all rows.
FULL_CHECKSUM_ROWS = 200_000
EXPECTED_KIND = {
    "primary key": "unique", "unique": "unique", "foreign key": "foreign_key",
    "fk delete": "foreign_key", "check": "check", "not null": "not_null",
}  # fmt: skip
NUMERIC = {"smallint", "int", "bigint", "decimal", "float"}


@dataclass
class Attempt:
    table: str
    kind: (
        str  # primary key | unique | foreign key | fk delete | fk delete cascade | check | not null
    )
    constraint: str
    sql: str = ""
    outcome: str = "skipped"  # refused | silently accepted | cascaded | skipped | error
    error_kind: str | None = None
    named: str | None = None  # the constraint name the engine gave
    classified: bool = False
    unchanged: bool | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Prober:
    """One connection on one engine; every violation in its own rolled-back transaction."""

    def __init__(self, engine: Any, endpoint: Any, schema: Any, connect: Callable | None = None):
        self.engine = engine
        self.schema = schema
        self.conn = (connect or engine.connect)(endpoint)
        self.cur = self.conn.cursor()

    def close(self) -> None:
        self.conn.close()

    # -- SQL helpers ------------------------------------------------------------------------
    def ref(self, table: Any) -> str:
        return self.engine.table_ref(table)

    def query(self, sql: str) -> list[tuple]:
        self.cur.execute(sql)
        return [tuple(r) for r in self.cur.fetchall()]

    def where(self, columns: tuple[str, ...], values: tuple) -> str:
        q, lit = self.engine.quote, self.engine.literal
        return " AND ".join(
            f"{q(c)} IS NULL" if v is None else f"{q(c)} = {lit(_plain(v))}"
            for c, v in zip(columns, values, strict=True)
        )

    def rows(self, table: Any, columns: tuple[str, ...], n: int, not_null: tuple = ()) -> list:
        cols = ", ".join(self.engine.quote(c) for c in columns)
        cond = " AND ".join(f"{self.engine.quote(c)} IS NOT NULL" for c in not_null) or "1 = 1"
        select = f"SELECT {cols} FROM {self.ref(table)} WHERE {cond} ORDER BY {cols}"
        return self.query(self.engine.limit(select, n))

    def fingerprint(self, table: Any, key: tuple[str, ...], touched: list[tuple]) -> tuple:
        count = self.query(f"SELECT COUNT(*) FROM {self.ref(table)}")[0][0]
        sql = f"SELECT * FROM {self.ref(table)}"
        if count > FULL_CHECKSUM_ROWS:
            sql += " WHERE " + " OR ".join(f"({self.where(key, t)})" for t in touched)
        digest = hashlib.sha256()
        for row in sorted(repr(r) for r in self.query(sql)):
            digest.update(row.encode())
        return count, digest.hexdigest()

    # -- one violation ----------------------------------------------------------------------
    def attempt(self, a: Attempt, table: Any, key: tuple[str, ...], touched: list[tuple],
                expect_kind: str, cascade_check: Callable[[], bool] | None = None) -> Attempt:  # fmt: skip
        before = self.fingerprint(table, key, touched)
        fam = dialect.rules(self.engine)
        for statement in dialect.begin_statements(self.engine, dialect.row_lock_level(self.engine)):
            self.cur.execute(statement)
        try:
            self.cur.execute(a.sql)
            if cascade_check is not None:
                a.outcome = "cascaded" if cascade_check() else "silently accepted"
                a.classified = a.outcome == "cascaded"
            else:
                a.outcome = "silently accepted"
        except self.engine.driver_errors() as exc:
            a.outcome = "refused"
            a.error_kind = dialect.classify(self.engine, exc)
            a.named = dialect.constraint_name(self.engine, exc)
            a.classified = a.error_kind == expect_kind
            a.reason = error_text(exc)
        finally:
            try:
                self.cur.execute(fam.rollback)
            except self.engine.driver_errors():  # the engine already ended it
                pass
        a.unchanged = self.fingerprint(table, key, touched) == before
        return a


def _plain(value: Any) -> Any:
    """Driver values -> what Engine.literal writes (decimals, dates, uuids as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def row_key(table: Any) -> tuple[str, ...]:
    """Columns that address one row: the primary key, else a unique of NOT NULL columns."""
    if table.primary_key:
        return tuple(table.primary_key)
    for u in table.uniques:
        if not u.where and all(not table.column(c).nullable for c in u.columns):
            return tuple(u.columns)
    return ()


def bad_value(column: Any, check: Any) -> Any:
    """A value that breaks a CHECK arena could read (IN list or a range), or None."""
    numeric = column.logical in NUMERIC
    if check.allowed is not None:
        if numeric:
            return max((v for v in check.allowed if isinstance(v, int | float)), default=0) + 1
        # Short enough for any VARCHAR(n): a too-long value would fail for the wrong reason.
        allowed = {str(v) for v in check.allowed}
        return next(c for c in ("~", "~~", "zz~", "~q") if c not in allowed)
    if check.low is not None and numeric:
        return check.low - 1
    if check.high is not None and numeric:
        return check.high + 1
    return None


def orphan_value(prober: Prober, parent: Any, ref_column: str, logical: str) -> Any:
    if logical in NUMERIC:
        top = prober.query(
            f"SELECT MAX({prober.engine.quote(ref_column)}) FROM {prober.ref(parent)}"
        )
        return int(top[0][0] or 0) + 1_000_003
    if logical in ("varchar", "text", "char"):
        return "zz-arena-orphan"
    if logical == "uuid":
        return "00000000-0000-4000-8000-00000000a4e0"
    return None


def probe_table(p: Prober, table: Any) -> list[Attempt]:
    key = row_key(table)
    name, ref, q = table.name, p.ref(table), p.engine.quote
    if not key:
        return [Attempt(name, "table", "-", reason="no primary key or unique NOT NULL key")]
    sample = p.rows(table, key, 20, key)
    if len(sample) < 2:
        return [Attempt(name, "table", "-", reason="fewer than 2 rows: seed it first")]
    # Rewrite a row no child references, so its own constraint is the one that fires.
    first = sample[0]
    second = next((r for r in sample[1:] if not referenced(p, table, key, r)), sample[1])
    out: list[Attempt] = []

    def rewrite(kind: str, constraint: str, sets: dict[str, Any], row: tuple = second) -> None:
        assignments = ", ".join(f"{q(c)} = {p.engine.literal(_plain(v))}" for c, v in sets.items())
        a = Attempt(
            name, kind, constraint, f"UPDATE {ref} SET {assignments} WHERE {p.where(key, row)}"
        )
        out.append(p.attempt(a, table, key, [row], EXPECTED_KIND[kind]))

    if table.primary_key:
        # A copy of an existing row: an UPDATE of a referenced key would trip the FK first.
        cols = ", ".join(q(c.name) for c in table.columns if not c.generated)
        a = Attempt(name, "primary key", "PRIMARY KEY",
                    f"INSERT INTO {ref} ({cols}) SELECT {cols} FROM {ref} WHERE {p.where(key, first)}")  # fmt: skip
        out.append(p.attempt(a, table, key, [first], "unique"))
    for u in table.uniques:
        if u.where:
            out.append(Attempt(name, "unique", u.name, reason=f"partial (WHERE {u.where})"))
            continue
        pair = p.rows(table, (*key, *u.columns), 2, u.columns)
        values = [dict(zip((*key, *u.columns), r, strict=True)) for r in pair]
        if tuple(u.columns) == tuple(table.primary_key):
            continue
        if len(pair) < 2 or all(values[0][c] == values[1][c] for c in u.columns):
            out.append(Attempt(name, "unique", u.name, reason="no two rows to collide"))
            continue
        target = tuple(values[1][c] for c in key)
        rewrite("unique", u.name, {c: values[0][c] for c in u.columns}, target)
    for fk in table.foreign_keys:
        parent = p.schema.table(fk.ref_table)
        orphans = [
            orphan_value(p, parent, rc, table.column(c).logical)
            for c, rc in zip(fk.columns, fk.ref_columns, strict=True)
        ]
        sets = dict(zip(fk.columns, orphans, strict=True))
        if None in orphans:
            out.append(Attempt(name, "foreign key", fk.name, reason="no orphan value for its type"))
        elif (sql := insert_copy(p, table, key, first, sets)) is not None:
            a = Attempt(name, "foreign key", fk.name, sql)
            out.append(p.attempt(a, table, key, [first], "foreign_key"))
        else:  # a fresh row would collide with another unique first: rewrite one instead
            rewrite("foreign key", fk.name, sets)
        out.append(probe_parent_delete(p, table, fk, parent))
    for check in table.checks:
        column = table.column(check.column) if check.column else None
        value = bad_value(column, check) if column else None
        if value is None:
            out.append(
                Attempt(name, "check", check.name, reason=f"cannot invert {check.expression}")
            )
        else:
            rewrite("check", check.name, {column.name: value})
    for column in table.columns:
        # Key columns are NOT NULL by being the key (the PRIMARY KEY attempt covers them;
        # SQLite answers NULL in a rowid key with "datatype mismatch", not a NOT NULL error).
        if not column.nullable and not column.generated and column.name not in key:
            rewrite("not null", f"{column.name} NOT NULL", {column.name: None})
    return out


def insert_copy(p: Prober, table: Any, key: tuple, row: tuple, sets: dict) -> str | None:
    """INSERT of a copy of `row` with `sets` applied and a fresh key (an orphan child row), or
    None when a fresh row cannot be made: a composite or non-numeric key, or another unique
    the copy would collide with before the FK is checked."""
    if len(key) != 1 or any(u.columns != key for u in table.uniques if not u.where):
        return None
    key_col = table.column(key[0])
    if key_col.logical not in NUMERIC and not key_col.identity:
        return None
    q, lit = p.engine.quote, p.engine.literal
    top = p.query(f"SELECT MAX({q(key[0])}) FROM {p.ref(table)}")[0][0]
    fresh = {key[0]: int(top or 0) + 1_000_003} if not key_col.identity else {}
    columns = [
        c.name for c in table.columns if not c.generated and not (c.identity and c.name in key)
    ]
    values = [
        lit(_plain({**sets, **fresh}[c])) if c in {**sets, **fresh} else q(c) for c in columns
    ]
    return (
        f"INSERT INTO {p.ref(table)} ({', '.join(q(c) for c in columns)}) "
        f"SELECT {', '.join(values)} FROM {p.ref(table)} WHERE {p.where(key, row)}"
    )


def referenced(p: Prober, table: Any, key: tuple[str, ...], row: tuple) -> bool:
    values = dict(zip(key, row, strict=True))
    for child in p.schema.tables:
        for fk in child.foreign_keys:
            if fk.ref_table == table.name and set(fk.ref_columns) <= set(values):
                own = tuple(values[c] for c in fk.ref_columns)
                count = f"SELECT COUNT(*) FROM {p.ref(child)} WHERE {p.where(fk.columns, own)}"
                if p.query(count)[0][0]:
                    return True
    return False


def probe_parent_delete(p: Prober, child: Any, fk: Any, parent: Any) -> Attempt:
    """Delete a parent row some child references: refused, or cascaded when the FK says so."""
    cascade = fk.on_delete.upper() in ("CASCADE", "SET NULL", "SET DEFAULT")
    kind = "fk delete cascade" if cascade else "fk delete"
    a = Attempt(child.name, kind, fk.name)
    used = p.rows(child, fk.columns, 1, fk.columns)
    pkey = row_key(parent)
    if not used or not pkey:
        a.reason = "no referenced parent row" if not used else "parent has no key"
        return a
    cond = p.where(fk.ref_columns, used[0])
    a.sql = f"DELETE FROM {p.ref(parent)} WHERE {cond}"
    touched = p.query(
        f"SELECT {', '.join(p.engine.quote(c) for c in pkey)} FROM {p.ref(parent)} WHERE {cond}"
    )
    child_where = p.where(fk.columns, used[0])

    def children_gone() -> bool:
        left = p.query(f"SELECT COUNT(*) FROM {p.ref(child)} WHERE {child_where}")[0][0]
        return left == 0

    return p.attempt(a, parent, pkey, touched, "foreign_key", children_gone if cascade else None)


def run_engine(
    engine: Any, endpoint: Any, schema: Any, tables: list[str] | None = None,
    connect: Callable | None = None,
) -> dict[str, Any]:  # fmt: skip
    prober = Prober(engine, endpoint, schema, connect)
    attempts: list[Attempt] = []
    try:
        for table in schema.tables:
            if tables and table.name not in tables or table.partitioned:
                continue
            attempts += probe_table(prober, table)
    finally:
        prober.close()
    return {"engine": endpoint.instance, "summary": summarise(attempts),
            "attempts": [a.to_dict() for a in attempts]}  # fmt: skip


def summarise(attempts: list[Attempt]) -> dict[str, Any]:
    tried = [a for a in attempts if a.outcome != "skipped"]
    return {
        "tried": len(tried),
        "refused": sum(a.outcome in ("refused", "cascaded") for a in tried),
        "classified": sum(a.classified for a in tried),
        "named": sum(bool(a.named) for a in tried),
        "unchanged": sum(bool(a.unchanged) for a in tried),
        "silently_accepted": [
            f"{a.table}: {a.kind} {a.constraint}" for a in tried if a.outcome == "silently accepted"
        ],  # fmt: skip
        "misclassified": [
            f"{a.table}: {a.kind} {a.constraint} -> {a.error_kind}"
            for a in tried
            if a.outcome == "refused" and not a.classified
        ],  # fmt: skip
        "skipped": len(attempts) - len(tried),
    }
