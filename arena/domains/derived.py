"""Derived values of a domain (`derived:` in schemas/<name>.yaml), applied after seeding so
the seeded rows agree with each other: an order's total is the sum of its items, an
account's balance the sum of its ledger, a counter the count of what it counts.

Each declaration is one statement in the neutral dialect (PostgreSQL syntax), rendered per
engine with sqlglot, run in file order in one transaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from arena.engines.base import error_text
from arena.errors import QueryError

if TYPE_CHECKING:
    from arena.domains.definition import Derived, Domain
    from arena.engines.base import Engine
    from arena.schema import Schema


# The neutral dialect of domain and suite SQL (sqlglot's name for it): written once in
# PostgreSQL syntax, passed through as is where the engine reads that dialect.
NEUTRAL_DIALECT = "postgres"


def render_neutral(sql: str, engine: Engine) -> str:
    """Neutral SQL in the engine's dialect (sqlglot)."""
    import sqlglot

    if engine.sqlglot_dialect == NEUTRAL_DIALECT:
        return sql
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return ";\n".join(sqlglot.transpile(sql, read=NEUTRAL_DIALECT, write=engine.sqlglot_dialect))


def matching_domains(schema: Schema, seeded: set[str] | None = None) -> list[Domain]:
    """The domains that declare derived values and whose every table is in `schema` with
    every column the domain gives it (two domains may share a table name: users), one of
    them among the `seeded` tables when given."""
    from arena.domains.definition import SCHEMA_NAMES, definition

    present = {t.name: {c.name for c in t.columns} for t in schema.tables}
    out = []
    for name in SCHEMA_NAMES:
        domain = definition(name)
        tables = domain.schema.tables
        if not domain.derived or (seeded is not None and not seeded & {t.name for t in tables}):
            continue
        if all({c.name for c in t.columns} <= present.get(t.name, set()) for t in tables):
            out.append(domain)
    return out


def apply_derived(engine: Engine, conn: Any, derived: tuple[Derived, ...]) -> int:
    """Run the declarations in order, in one transaction; returns how many ran."""
    cur = conn.cursor()
    statement = ""
    name = ""
    try:
        cur.execute(engine.begin_sql)
        for item in derived:
            name, statement = item.name, render_neutral(item.sql, engine)
            cur.execute(statement)
        cur.execute("COMMIT")
    except engine.driver_errors() as exc:
        cur.execute("ROLLBACK")
        raise QueryError(
            f"{engine.display_name} rejected derived value {name}: {error_text(exc)}",
            "Fix its `derived:` SQL in the domain schema; the seeded rows are kept as loaded.",
        ) from exc
    return len(derived)


def apply_for_schema(
    engine: Engine, conn: Any, schema: Schema, seeded: set[str] | None = None
) -> list[str]:
    """After a seed: every matching domain's derived values; returns notes for the report."""
    notes = []
    for domain in matching_domains(schema, seeded):
        count = apply_derived(engine, conn, domain.derived)
        notes.append(f"{domain.name}: {count} derived values made consistent")
    return notes
