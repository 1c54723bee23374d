"""The scenario domains (schemas/*.yaml): one neutral definition each, rendered per dialect.

A domain file names tables, columns with arena's logical types, keys, CHECKs and indexes once
(the column mini-language is described at the top of schemas/ecommerce.yaml). `definition()`
turns it into the same arena.schema.Schema model introspection produces, `render()` turns that
into the DDL of one engine, and `apply()` runs it. Nothing here is six copies edited by hand.

Dialect differences handled here, each for a reason:
- SQLite keeps the declared type name verbatim, so arena declares the real type (VARCHAR(255),
  DECIMAL(12,2), TIMESTAMPTZ...): introspection reads the same logical types back, and every
  such name still gets the affinity SQLite's rules give it.
- MySQL/MariaDB tables are utf8mb4 with a binary collation, so uniqueness means what it means
  on PostgreSQL and SQLite (case-sensitive); with a *_ci collation 'Ann' and 'ann' collide.
- SQL Server rejects a second cascade path to a table (error 1785), including a cascading
  self-reference; such actions become NO ACTION there. A unique key over a nullable column
  becomes a unique index filtered on IS NOT NULL, since SQL Server's UNIQUE admits one NULL.
- Enums: PostgreSQL CREATE TYPE, MySQL ENUM(...), elsewhere a string column with a CHECK.
- partition_by: PostgreSQL declarative range partitions by year (plus a DEFAULT partition);
  the other engines get an ordinary table.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from arena.engines.base import LOGICAL_TYPES, error_text
from arena.errors import ArenaError, QueryError, UnknownNameError
from arena.introspect.checks import parse_check
from arena.schema import Check, Column, ForeignKey, Index, Schema, Table, Unique

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.models import Endpoint

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_NAMES = ("ecommerce", "cms", "social", "project", "finance", "timeseries")

# PostgreSQL partitions created for a partition_by table: one per year, plus DEFAULT for
# anything outside them, so no generated timestamp is ever refused.
PARTITION_YEARS = range(2020, 2031)

# SQLite: declared names that say the logical type (see the module docstring).
SQLITE_TYPES = {
    "smallint": "SMALLINT", "int": "INTEGER", "bigint": "BIGINT",
    "decimal": "DECIMAL({precision},{scale})", "float": "DOUBLE", "bool": "BOOLEAN",
    "char": "CHAR({length})", "varchar": "VARCHAR({length})", "text": "TEXT", "date": "DATE",
    "time": "TIME", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ", "json": "JSON",
    "uuid": "UUID", "blob": "BLOB",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    description: str
    schema: Schema  # engine "neutral"; identity columns have data_type "serial"
    partition_keys: dict[str, str] = field(default_factory=dict)  # table -> column


@dataclass(frozen=True, slots=True)
class ApplyResult:
    engine: str
    schema: str
    tables: tuple[str, ...]
    statements: int
    dropped: bool
    seconds: float


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
    return Domain(name, str(data.get("description", "")), schema, partitions)


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


# -- rendering ----------------------------------------------------------------------------
def render(name: str, engine: Engine) -> list[str]:
    """The DDL creating domain `name` on `engine`, one statement per item, FK-safe order."""
    domain = definition(name)
    return render_domain(domain, engine)


def render_domain(domain: Domain, engine: Engine) -> list[str]:
    schema = domain.schema
    family = engine.family
    statements: list[str] = []
    if family == "postgres":
        for enum, labels in schema.enums.items():
            values = ", ".join(_literal(v) for v in labels)
            statements.append(f"CREATE TYPE {engine.quote(enum)} AS ENUM ({values})")
    actions = _sqlserver_actions(schema) if family == "sqlserver" else {}
    for table in fk_order(schema.tables):
        statements.append(_create_table(engine, table, domain, actions))
        partition_key = domain.partition_keys.get(table.name)
        if family == "postgres" and partition_key:
            statements.extend(_partitions(engine, table))
        statements.extend(_indexes(engine, table))
    return statements


def drop_statements(name: str, engine: Engine) -> list[str]:
    """Drop what render() creates, children first. Missing objects are fine."""
    domain = definition(name)
    tables = [t.name for t in reversed(fk_order(domain.schema.tables))]
    cascade = " CASCADE" if engine.family == "postgres" else ""
    statements = [f"DROP TABLE IF EXISTS {engine.quote(t)}{cascade}" for t in tables]
    if engine.family == "postgres":
        statements += [
            f"DROP TYPE IF EXISTS {engine.quote(e)} CASCADE" for e in domain.schema.enums
        ]
    return statements


def _create_table(engine: Engine, table: Table, domain: Domain, actions: dict[str, str]) -> str:
    q = engine.quote
    family = engine.family
    lines = [f"{q(c.name)} {_column_sql(engine, c)}" for c in table.columns]
    lines.append(
        f"CONSTRAINT {q(table.name + '_pkey')} PRIMARY KEY ({_cols(engine, table.primary_key)})"
    )
    for unique in table.uniques:
        if family == "sqlserver" and _nullable(table, unique.columns):
            continue  # a filtered unique index instead, see _indexes
        lines.append(f"CONSTRAINT {q(unique.name)} UNIQUE ({_cols(engine, unique.columns)})")
    for fk in table.foreign_keys:
        action = actions.get(fk.name, fk.on_delete)
        clause = f" ON DELETE {action}" if action != "NO ACTION" else ""
        lines.append(
            f"CONSTRAINT {q(fk.name)} FOREIGN KEY ({_cols(engine, fk.columns)}) "
            f"REFERENCES {q(fk.ref_table)} ({_cols(engine, fk.ref_columns)}){clause}"
        )
    for check in _all_checks(engine, table):
        lines.append(f"CONSTRAINT {q(check.name)} CHECK ({check_sql(engine, check)})")
    body = ",\n  ".join(lines)
    sql = f"CREATE TABLE {q(table.name)} (\n  {body}\n)"
    partition_key = domain.partition_keys.get(table.name)
    if family == "postgres" and partition_key:
        sql += f" PARTITION BY RANGE ({q(partition_key)})"
    if family == "mysql":
        sql += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    return sql


def _column_sql(engine: Engine, column: Column) -> str:
    family = engine.family
    if column.identity:
        if family == "sqlite":
            # Exactly INTEGER + the PRIMARY KEY makes it the rowid alias the server assigns.
            # https://www.sqlite.org/lang_createtable.html#rowid
            return "INTEGER"
        return f"{engine.type_names['serial_pk']} NOT NULL"
    parts = [_type_sql(engine, column)]
    if not column.nullable:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {_default_sql(engine, column)}")
    return " ".join(parts)


def _type_sql(engine: Engine, column: Column) -> str:
    family = engine.family
    if column.logical == "enum":
        labels = column.enum_values or ()
        if family == "postgres":
            return engine.quote(column.data_type)
        if family == "mysql":
            return "ENUM(" + ", ".join(_literal(v) for v in labels) + ")"
        width = max(len(v) for v in labels)
        return "TEXT" if family == "sqlite" else engine.type_name("varchar", width)
    length = column.length if column.logical in ("char", "varchar") else column.precision
    if family == "sqlite":
        template = SQLITE_TYPES[column.logical]
        return template.format(length=length, precision=length, scale=column.scale or 0)
    return engine.type_name(column.logical, length, column.scale)


def _default_sql(engine: Engine, column: Column) -> str:
    value = str(column.default)
    family = engine.family
    if value.lower() == "now":
        if family == "mysql":  # the default's precision must match timestamp(6)/datetime(6)
            return "CURRENT_TIMESTAMP(6)"
        return "CURRENT_TIMESTAMP"
    if value.lower() in ("true", "false"):
        if family in ("sqlite", "sqlserver"):
            return "1" if value.lower() == "true" else "0"
        return value.upper()
    return value  # a number or a quoted string, the same in every dialect


def _all_checks(engine: Engine, table: Table) -> list[Check]:
    checks = list(table.checks)
    if engine.family in ("sqlite", "sqlserver"):
        for column in table.columns:
            if column.logical == "enum":
                checks.append(
                    Check(
                        name=f"{table.name}_{column.name}_check",
                        expression="",
                        column=column.name,
                        allowed=column.enum_values,
                    )
                )
    return checks


def check_sql(engine: Engine, check: Check) -> str:
    """A structured Check as SQL of `engine`'s dialect."""
    col = engine.quote(check.column or "")
    if check.allowed is not None:
        return f"{col} IN ({', '.join(_literal(v) for v in check.allowed)})"
    if (
        check.low is not None
        and check.high is not None
        and check.low_inclusive
        and check.high_inclusive
    ):
        return f"{col} BETWEEN {_number(check.low)} AND {_number(check.high)}"
    parts = []
    if check.low is not None:
        parts.append(f"{col} {'>=' if check.low_inclusive else '>'} {_number(check.low)}")
    if check.high is not None:
        parts.append(f"{col} {'<=' if check.high_inclusive else '<'} {_number(check.high)}")
    return " AND ".join(parts)


def _indexes(engine: Engine, table: Table) -> list[str]:
    q = engine.quote
    statements = []
    if engine.family == "sqlserver":
        for unique in table.uniques:
            if _nullable(table, unique.columns):
                where = " AND ".join(f"{q(c)} IS NOT NULL" for c in unique.columns)
                statements.append(
                    f"CREATE UNIQUE INDEX {q(unique.name)} ON {q(table.name)} "
                    f"({_cols(engine, unique.columns)}) WHERE {where}"
                )
    keys = [table.primary_key, *(u.columns for u in table.uniques)]
    indexes = list(table.indexes)
    for fk in table.foreign_keys:
        covered = any(
            k[: len(fk.columns)] == fk.columns for k in [*keys, *(i.columns for i in indexes)]
        )
        if not covered:
            indexes.append(Index(f"{table.name}_{'_'.join(fk.columns)}_idx", fk.columns))
    for index in indexes:
        unique = "UNIQUE " if index.unique else ""
        statements.append(
            f"CREATE {unique}INDEX {q(index.name)} ON {q(table.name)} ({_cols(engine, index.columns)})"
        )
    return statements


def _partitions(engine: Engine, table: Table) -> list[str]:
    q = engine.quote
    statements = []
    for year in PARTITION_YEARS:
        statements.append(
            f"CREATE TABLE {q(f'{table.name}_y{year}')} PARTITION OF {q(table.name)} "
            f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
        )
    statements.append(
        f"CREATE TABLE {q(table.name + '_default')} PARTITION OF {q(table.name)} DEFAULT"
    )
    return statements


def _sqlserver_actions(schema: Schema) -> dict[str, str]:
    """FK name -> NO ACTION where SQL Server would refuse the declared action: a second
    cascade path between two tables, or a cascading self-reference (error 1785).
    https://learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-1785-database-engine-error
    """
    downgraded: dict[str, str] = {}
    edges: list[tuple[str, str]] = []  # parent -> child along which deletes propagate
    for table in fk_order(schema.tables):
        for fk in table.foreign_keys:
            if fk.on_delete in ("NO ACTION", "RESTRICT"):
                continue
            trial = [*edges, (fk.ref_table, table.name)]
            if fk.ref_table == table.name or _has_two_paths(trial):
                downgraded[fk.name] = "NO ACTION"
            else:
                edges = trial
    return downgraded


def _has_two_paths(edges: list[tuple[str, str]]) -> bool:
    children: dict[str, list[str]] = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)

    def paths(node: str, counts: dict[str, int]) -> None:
        for child in children.get(node, ()):
            counts[child] = counts.get(child, 0) + 1
            paths(child, counts)

    for start in children:
        counts: dict[str, int] = {}
        paths(start, counts)
        if any(n > 1 for n in counts.values()):
            return True
    return False


def _nullable(table: Table, columns: tuple[str, ...]) -> bool:
    return any(table.column(c).nullable for c in columns)


def _cols(engine: Engine, columns: tuple[str, ...]) -> str:
    return ", ".join(engine.quote(c) for c in columns)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return _number(value)
    return "'" + str(value).replace("'", "''") + "'"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# -- applying -----------------------------------------------------------------------------
def apply(
    name: str, engine: Engine, endpoint: Endpoint, drop_existing: bool = False
) -> ApplyResult:
    """Create domain `name` on a running engine. Existing tables of the same names are an
    error unless drop_existing, which drops them (and, on PostgreSQL, the enum types) first."""
    from arena.introspect import introspect

    domain = definition(name)
    started = time.perf_counter()
    create = render(name, engine)
    if not drop_existing:
        existing = introspect(engine, endpoint)
        clash = [t for t in domain.schema.table_names if t in existing.table_names]
        clash += [
            e for e in domain.schema.enums if engine.family == "postgres" and e in existing.enums
        ]
        if clash:
            raise ArenaError(
                f"{engine.name} already has {', '.join(clash)} in database '{endpoint.database}'.",
                f"`arena schema apply {name} --drop` replaces them.",
            )
    drop = drop_statements(name, engine) if drop_existing else []
    _run(engine, endpoint, drop, create)
    return ApplyResult(
        engine=engine.name,
        schema=name,
        tables=tuple(t.name for t in fk_order(domain.schema.tables)),
        statements=len(create),
        dropped=drop_existing,
        seconds=time.perf_counter() - started,
    )


def _run(engine: Engine, endpoint: Endpoint, drop: list[str], create: list[str]) -> None:
    family = engine.family
    # PostgreSQL and SQLite run DDL in transactions: a failure leaves nothing half-made.
    transactional = family in ("postgres", "sqlite")
    conn = engine.connect(endpoint)
    cur = conn.cursor()
    statement = ""
    try:
        if family == "mysql" and drop:
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")  # other tables may still point at ours
        if family == "sqlite" and drop:
            cur.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, or it is ignored
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
        if family == "mysql" and drop:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        conn.close()
