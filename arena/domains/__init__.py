"""The scenario domains (schemas/*.yaml): one neutral definition each, rendered per engine.

- definition.py: a YAML file -> Domain (a neutral arena.schema.Schema), validated.
- render.py: a Domain -> one engine's DDL, driven by the engine's flags.
- create.py: apply() runs that DDL on a running engine.
"""

from __future__ import annotations

from arena.domains.create import ApplyResult, apply
from arena.domains.definition import (
    SCHEMA_DIR,
    SCHEMA_NAMES,
    Domain,
    check_name,
    definition,
    fk_order,
    parse_domain,
)
from arena.domains.render import (
    PARTITION_YEARS,
    cascade_downgrades,
    check_sql,
    drop_statements,
    has_two_paths,
    render,
    render_domain,
)

__all__ = [
    "PARTITION_YEARS",
    "SCHEMA_DIR",
    "SCHEMA_NAMES",
    "ApplyResult",
    "Domain",
    "apply",
    "cascade_downgrades",
    "check_name",
    "check_sql",
    "definition",
    "drop_statements",
    "fk_order",
    "has_two_paths",
    "parse_domain",
    "render",
    "render_domain",
]
