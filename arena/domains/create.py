"""Create a domain's tables on a running engine (`arena schema apply`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from arena.domains.definition import definition, fk_order
from arena.domains.render import drop_statements, render
from arena.engines.base import error_text
from arena.errors import ArenaError, QueryError

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.models import Endpoint


@dataclass(frozen=True, slots=True)
class ApplyResult:
    engine: str
    schema: str
    tables: tuple[str, ...]
    statements: int
    dropped: bool
    seconds: float


def apply(
    name: str, engine: Engine, endpoint: Endpoint, drop_existing: bool = False
) -> ApplyResult:
    """Create domain `name` on a running engine. Existing tables of the same names are an
    error unless drop_existing, which drops them (and enum types of their own) first."""
    from arena.introspect import introspect

    domain = definition(name)
    started = time.perf_counter()
    create = render(name, engine)
    if not drop_existing:
        existing = introspect(engine, endpoint)
        clash = [t for t in domain.schema.table_names if t in existing.table_names]
        if engine.enum_style == "type":
            clash += [e for e in domain.schema.enums if e in existing.enums]
        if clash:
            raise ArenaError(
                f"{endpoint.instance} already has {', '.join(clash)} in database '{endpoint.database}'.",
                f"`arena schema apply {name} --drop` replaces them.",
            )
    drop = drop_statements(name, engine) if drop_existing else []
    _run(engine, endpoint, drop, create)
    return ApplyResult(
        engine=endpoint.instance,  # the instance (postgres@tuned) the tables were made on
        schema=name,
        tables=tuple(t.name for t in fk_order(domain.schema.tables)),
        statements=len(create),
        dropped=drop_existing,
        seconds=time.perf_counter() - started,
    )


def _run(engine: Engine, endpoint: Endpoint, drop: list[str], create: list[str]) -> None:
    # With transactional DDL a failure leaves nothing half-made.
    transactional = engine.transactional_ddl
    conn = engine.connect(endpoint)
    cur = conn.cursor()
    statement = ""
    try:
        if drop:  # other tables may still point at ours; before BEGIN (SQLite's pragma)
            for off in engine.foreign_key_checks_sql(False):
                cur.execute(off)
        if transactional:
            cur.execute("BEGIN")
        for statement in [*drop, *create]:
            cur.execute(statement)
        if transactional:
            cur.execute("COMMIT")
    except engine.driver_errors() as exc:
        if transactional:
            cur.execute("ROLLBACK")
        first_line = statement.strip().splitlines()[0] if statement.strip() else statement
        raise QueryError(
            f"{engine.display_name} rejected `{first_line}`: {error_text(exc)}",
            "Nothing was created." if transactional else "Rerun with --drop to start clean.",
        ) from exc
    finally:
        if drop:
            for on in engine.foreign_key_checks_sql(True):
                cur.execute(on)
        conn.close()
