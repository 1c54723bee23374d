"""A domain file (schemas/<name>.yaml) -> Domain: one neutral arena.schema.Schema, validated.

A domain names tables, columns with arena's logical types, keys, CHECKs and indexes once (the
column mini-language is described at the top of schemas/ecommerce.yaml). The Schema it gives
is the same model introspection produces; identity columns have data_type "serial" until an
engine renders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from arena.engines.base import LOGICAL_TYPES
from arena.errors import ArenaError, UnknownNameError
from arena.introspect.checks import parse_check
from arena.schema import Column, ForeignKey, Index, Schema, Table, Unique

SCHEMA_DIR = Path(__file__).resolve().parent.parent.parent / "schemas"
SCHEMA_NAMES = ("ecommerce", "cms", "social", "project", "finance", "timeseries")


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    description: str
    schema: Schema  # engine "neutral"; identity columns have data_type "serial"
    partition_keys: dict[str, str] = field(default_factory=dict)  # table -> column
    # Values kept consistent after seeding (totals, balances, counters): `derived:` in the
    # YAML, applied in order by arena/domains/derived.py.
    derived: tuple[Derived, ...] = ()


@dataclass(frozen=True, slots=True)
class Derived:
    """One derived value: a neutral (PostgreSQL-syntax) UPDATE or INSERT ... SELECT that makes
    seeded rows agree with each other, e.g. an order's total = the sum of its items."""

    name: str
    sql: str
    description: str = ""


# -- loading ------------------------------------------------------------------------------
def check_name(name: str) -> str:
    if name not in SCHEMA_NAMES:
        raise UnknownNameError("schema", name, SCHEMA_NAMES, "Run `arena schema list`.")
    return name


@cache
def definition(name: str) -> Domain:
    """The neutral definition of a domain, validated."""
    path = SCHEMA_DIR / f"{check_name(name)}.yaml"
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ArenaError(f"Cannot read {path}: {exc.strerror}.", "Reinstall arena.") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ArenaError(f"{where}: malformed YAML: {exc.problem}.", "Fix the file.") from exc
    return parse_domain(name, data, str(path))


def parse_domain(name: str, data: Any, source: str = "<domain>") -> Domain:
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise ArenaError(f"{source}: expected a mapping with `tables`.", "See ecommerce.yaml.")
    enums = {k: tuple(str(v) for v in values) for k, values in (data.get("enums") or {}).items()}
    tables: list[Table] = []
    partitions: dict[str, str] = {}
    for table_name, spec in data["tables"].items():
        where = f"{source}: table {table_name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict):
            raise ArenaError(f"{where}: expected `columns:` with one entry per column.")
        tables.append(_parse_table(table_name, spec, enums, where))
        if spec.get("partition_by"):
            partitions[table_name] = spec["partition_by"]
    schema = Schema(engine="neutral", tables=_resolve_references(tables, source), enums=enums)
    derived = _parse_derived(data.get("derived"), source)
    return Domain(name, str(data.get("description", "")), schema, partitions, derived)


def _parse_derived(items: Any, source: str) -> tuple[Derived, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ArenaError(f"{source}: `derived:` must be a list of {{name, sql}}.")
    out = []
    for i, item in enumerate(items):
        ok = isinstance(item, dict) and isinstance(item.get("sql"), str) and item.get("name")
        if not ok:
            raise ArenaError(f"{source}: derived entry {i + 1} needs `name` and `sql`.")
        verb = item["sql"].split(None, 1)[0].upper() if item["sql"].strip() else ""
        if verb not in ("UPDATE", "INSERT", "DELETE"):
            raise ArenaError(
                f"{source}: derived {item['name']} must be one UPDATE, INSERT or DELETE.",
                "e.g. UPDATE orders SET total = (SELECT SUM(...) ...).",
            )
        out.append(
            Derived(str(item["name"]), item["sql"].strip(), str(item.get("description", "")))
        )
    return tuple(out)


_TYPE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?", re.I)
_TOKEN = re.compile(r"'(?:[^']|'')*'|->|\S+")
_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")


def _parse_table(name: str, spec: dict, enums: dict[str, tuple[str, ...]], where: str) -> Table:
    columns: list[Column] = []
    fks: list[ForeignKey] = []
    uniques: list[Unique] = []
    primary_key: tuple[str, ...] = tuple(spec.get("primary_key") or ())
    for col_name, col_spec in spec["columns"].items():
        column, ref, on_delete, unique = _parse_column(
            col_name, str(col_spec), enums, f"{where}, column {col_name}"
        )
        columns.append(column)
        if column.data_type == "serial":
            primary_key = primary_key or (col_name,)
        if ref:
            fks.append(
                ForeignKey(
                    name=f"{name}_{col_name}_fkey",
                    columns=(col_name,),
                    ref_table=ref,
                    ref_columns=(),  # the referenced table's primary key, filled in below
                    on_delete=on_delete,
                )
            )
        if unique:
            uniques.append(Unique(name=f"{name}_{col_name}_key", columns=(col_name,)))
    for cols in spec.get("unique") or ():
        uniques.append(Unique(name=f"{name}_{'_'.join(cols)}_key", columns=tuple(cols)))
    checks = []
    for text in spec.get("checks") or ():
        parsed = parse_check("", str(text), "postgres")
        if parsed.column is None:
            raise ArenaError(
                f"{where}: CHECK `{text}` is not a form arena renders and seeds.",
                "Use col IN (...), col BETWEEN a AND b, or col >= n (>, <, <=).",
            )
        checks.append(replace(parsed, name=f"{name}_{parsed.column}_check"))
    indexes = [
        Index(name=f"{name}_{'_'.join(cols)}_idx", columns=tuple(cols))
        for cols in spec.get("indexes") or ()
    ]
    if not primary_key:
        raise ArenaError(f"{where}: no primary key.", "Add `id: serial` or `primary_key: [...]`.")
    table = Table(
        name=name,
        columns=tuple(columns),
        primary_key=primary_key,
        foreign_keys=tuple(fks),
        uniques=tuple(uniques),
        checks=tuple(checks),
        indexes=tuple(indexes),
        partitioned=bool(spec.get("partition_by")),
    )
    known = {c.name for c in columns}
    used = [
        *primary_key,
        *(c for u in uniques for c in u.columns),
        *(c.column for c in checks),
        *(c for i in indexes for c in i.columns),
    ]
    if spec.get("partition_by"):
        used.append(spec["partition_by"])
    for col in used:
        if col not in known:
            raise ArenaError(f"{where}: unknown column '{col}'.", f"Columns: {', '.join(known)}.")
    return table


def _parse_column(
    name: str, spec: str, enums: dict[str, tuple[str, ...]], where: str
) -> tuple[Column, str | None, str, bool]:
    match = _TYPE.match(spec)
    if not match:
        raise ArenaError(f"{where}: expected a type first, got '{spec}'.")
    type_name = match.group(1).lower()
    first = int(match.group(2)) if match.group(2) else None
    second = int(match.group(3)) if match.group(3) else None
    tokens = _TOKEN.findall(spec[match.end() :])
    nullable, unique, default, ref, on_delete = True, False, None, None, "NO ACTION"
    i = 0
    while i < len(tokens):
        word = tokens[i].lower()
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if word == "not" and nxt == "null":
            nullable, i = False, i + 2
        elif word == "null":
            nullable, i = True, i + 1
        elif word == "unique":
            unique, i = True, i + 1
        elif word == "default" and nxt:
            default, i = tokens[i + 1], i + 2
        elif word == "->" and nxt:
            ref, i = tokens[i + 1], i + 2
        elif word == "on" and nxt == "delete":
            rest = " ".join(tokens[i + 2 : i + 4]).upper()
            action = next((a for a in _ACTIONS if rest.startswith(a)), None)
            if action is None:
                raise ArenaError(f"{where}: ON DELETE expects one of {', '.join(_ACTIONS)}.")
            on_delete, i = action, i + 2 + len(action.split())
        else:
            raise ArenaError(
                f"{where}: unexpected '{tokens[i]}' in '{spec}'.",
                "Expected: not null, unique, default VALUE, -> TABLE, on delete ACTION.",
            )
    if type_name == "serial":
        column = Column(name, "serial", "bigint", nullable=False, identity=True)
    elif type_name in enums:
        column = Column(
            name, type_name, "enum", nullable=nullable, default=default,
            enum_values=enums[type_name],
        )  # fmt: skip
    elif type_name in LOGICAL_TYPES:
        column = Column(
            name,
            type_name,
            type_name,
            nullable=nullable,
            length=first if type_name in ("char", "varchar") else None,
            precision=first if type_name == "decimal" else None,
            scale=(second or 0) if type_name == "decimal" else None,
            default=default,
        )
        if type_name in ("char", "varchar") and first is None:
            raise ArenaError(f"{where}: {type_name} needs a length, e.g. {type_name}(40).")
        if type_name == "decimal" and first is None:
            raise ArenaError(f"{where}: decimal needs a precision, e.g. decimal(12,2).")
    else:
        raise UnknownNameError(
            f"column type in {where}", type_name, (*LOGICAL_TYPES, "serial", *enums)
        )
    return column, ref, on_delete, unique


def _resolve_references(tables: list[Table], source: str) -> tuple[Table, ...]:
    """Point each FK at its table's primary key; fail on a dangling name."""
    by_name = {t.name: t for t in tables}
    fixed = []
    for table in tables:
        fks = []
        for fk in table.foreign_keys:
            target = by_name.get(fk.ref_table)
            if target is None:
                raise UnknownNameError(
                    f"table referenced from {source}: {table.name}", fk.ref_table, by_name
                )
            fks.append(replace(fk, ref_columns=target.primary_key))
        fixed.append(replace(table, foreign_keys=tuple(fks)))
    return tuple(fixed)


# -- ordering -----------------------------------------------------------------------------
def fk_order(tables: tuple[Table, ...]) -> list[Table]:
    """Parents before children (self-references ignored), file order among equals."""
    remaining = {t.name: t for t in tables}
    ordered: list[Table] = []
    while remaining:
        ready = [
            t
            for t in remaining.values()
            if all(fk.ref_table == t.name or fk.ref_table not in remaining for fk in t.foreign_keys)
        ]
        if not ready:
            raise ArenaError(
                f"Foreign keys form a cycle among: {', '.join(remaining)}.",
                "A domain schema must have an order in which each table's parents exist.",
            )
        for t in ready:
            ordered.append(t)
            del remaining[t.name]
    return ordered
