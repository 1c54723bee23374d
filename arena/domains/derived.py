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


def render_neutral(sql: str, engine: Engine) -> str:
    """PostgreSQL-syntax SQL in the engine's dialect (sqlglot)."""
    import sqlglot

    if engine.sqlglot_dialect == "postgres":
        return sql
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return ";\n".join(sqlglot.transpile(sql, read="postgres", write=engine.sqlglot_dialect))


def matching_domains(schema: Schema) -> list[Domain]:
    """The domains whose every table is in `schema` and that declare derived values."""
    from arena.domains.definition import SCHEMA_NAMES, definition

    present = set(schema.table_names)
    out = []
    for name in SCHEMA_NAMES:
        domain = definition(name)
        if domain.derived and set(domain.schema.table_names) <= present:
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


def apply_for_schema(engine: Engine, conn: Any, schema: Schema) -> list[str]:
    """After a seed: every matching domain's derived values; returns notes for the report."""
    notes = []
    for domain in matching_domains(schema):
        count = apply_derived(engine, conn, domain.derived)
        notes.append(f"{domain.name}: {count} derived values made consistent")
    return notes
