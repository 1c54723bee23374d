"""`introspect(engine, endpoint)` -> arena.schema.Schema, the same shape on every engine.

One catalog module per SQL family, found as every per-family class is, by `engine.family`
(postgres: information_schema + pg_catalog; mysql: information_schema; sqlserver:
INFORMATION_SCHEMA + sys.*; sqlite: PRAGMA), each providing read_schema(engine, conn). They all
return Table values built from the same dataclasses, so seeding and load generation never ask
which engine they run on. Tables only: views, partitions of a partitioned table and the
engines' own tables are left out (a partitioned parent is returned with partitioned=True).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arena.engines.base import error_text
from arena.errors import ArenaError, UnknownNameError
from arena.introspect import mysql, postgres, sqlite, sqlserver
from arena.schema import Schema

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.models import Endpoint

# family -> its catalog module (the same registry style as LOADERS and SESSIONS).
CATALOGS = {"postgres": postgres, "mysql": mysql, "sqlserver": sqlserver, "sqlite": sqlite}


def introspect(engine: Engine, endpoint: Endpoint, tables: list[str] | None = None) -> Schema:
    """Read the catalog of `endpoint`'s database. `tables` limits the result to those names
    (each must exist: a typo fails with a did-you-mean instead of an empty result)."""
    module = CATALOGS[engine.family]
    conn = engine.connect(endpoint)
    try:
        try:
            schema = module.read_schema(engine, conn)
        except engine.driver_errors() as exc:
            raise ArenaError(
                f"Reading {engine.display_name}'s catalog failed: {error_text(exc)}",
                "Check that the user may read the catalog of this database.",
            ) from exc
    finally:
        conn.close()
    if tables is None:
        return schema
    known = schema.table_names
    for name in tables:
        if name not in known:
            if not known:
                raise no_tables_error(engine, endpoint)
            shown = ", ".join(sorted(known)[:20]) + (" ..." if len(known) > 20 else "")
            raise UnknownNameError("table", name, known, f"{engine.name} has: {shown}.")
    wanted = set(tables)
    return Schema(
        engine=schema.engine,
        tables=tuple(t for t in schema.tables if t.name in wanted),
        enums=schema.enums,
        domains=schema.domains,
    )


def no_tables_error(engine: Engine, endpoint: Endpoint) -> ArenaError:
    return ArenaError(
        f"{engine.name} has no tables in database '{endpoint.database}'.",
        "Create some with `arena schema apply ecommerce`, or point arena at a database "
        "that has tables.",
    )


__all__ = ["introspect", "no_tables_error"]
