"""After seeding: count every table's rows and check every foreign key with a query.

The loaders keep constraints on, so a broken FK would already have failed the load; this is
the independent proof, and it also covers the second-pass (cycle) FKs and tables whose
parents were not part of the run.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from arena.engines.base import Engine
from arena.schema import ForeignKey, Table


@dataclass(frozen=True, slots=True)
class FkCheck:
    table: str
    fk: str
    ref_table: str
    linked: int  # rows with a non-NULL FK
    orphans: int  # of those, rows whose parent does not exist


@dataclass(frozen=True, slots=True)
class Verification:
    counts: dict[str, int]
    fks: tuple[FkCheck, ...]

    @property
    def ok(self) -> bool:
        return all(f.orphans == 0 for f in self.fks)


def fk_query(engine: Engine, table: Table, fk: ForeignKey, parent_schema: str | None) -> str:
    q = engine.quote
    child = engine.table_ref(table)
    parent = engine.qualified(parent_schema or "", fk.ref_table)
    not_null = " AND ".join(f"c.{q(col)} IS NOT NULL" for col in fk.columns)
    match = " AND ".join(
        f"p.{q(ref)} = c.{q(col)}" for col, ref in zip(fk.columns, fk.ref_columns, strict=True)
    )
    # One LEFT JOIN (a hash join on every engine here): linked rows, and those without
    # a parent row. The parent side is a unique key, so the join never multiplies rows.
    probe = q(fk.ref_columns[0])
    return (
        f"SELECT COUNT(*), COUNT(*) - COUNT(p.{probe}) FROM {child} c "
        f"LEFT JOIN {parent} p ON {match} WHERE {not_null}"
    )


def verify(
    conn, engine: Engine, tables: list[Table], schemas: dict[str, str | None]
) -> Verification:
    """`conn`: an open DB-API connection; `schemas`: table name -> namespace."""
    cur = conn.cursor()
    counts: dict[str, int] = {}
    checks: list[FkCheck] = []
    for table in tables:
        cur.execute(f"SELECT COUNT(*) FROM {engine.table_ref(table)}")
        counts[table.name] = int(cur.fetchone()[0])
        for fk in table.foreign_keys:
            cur.execute(fk_query(engine, table, fk, schemas.get(fk.ref_table, table.schema)))
            linked, orphans = cur.fetchone()
            checks.append(FkCheck(table.name, fk.name, fk.ref_table, int(linked), int(orphans)))
    with contextlib.suppress(Exception):  # autocommit connections: nothing to commit
        conn.commit()
    return Verification(counts, tuple(checks))
