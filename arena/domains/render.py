"""A Domain -> the DDL of one engine, driven by the engine's flags (arena/engines/base.py,
"domains hooks"); nothing here compares an engine's name.

What the flags decide, each for a reason given where it is declared:
- enum_style: CREATE TYPE (PostgreSQL), an inline ENUM(...) type (MySQL), or a string column
  of type enum_check_logical with a CHECK (SQLite, SQL Server).
- identity_column_sql, current_timestamp_sql, boolean_literal, literal: column spellings.
- table_options: MySQL's ENGINE/CHARSET/COLLATE suffix.
- range_partitions: PostgreSQL's declarative partitions by year (plus a DEFAULT partition);
  engines without them get an ordinary table.
- unique_allows_one_null: a unique key over a nullable column becomes a unique index
  filtered on IS NOT NULL (SQL Server).
- single_cascade_path: ON DELETE actions that would make a second cascade path to a table,
  or a cascading self-reference, become NO ACTION (SQL Server error 1785).
- drop_table_cascade: DROP TABLE ... CASCADE where the engine has it.
- text_key_style: a text column in an index is indexed by a prefix (MySQL) or refused with
  the place and a hint (SQL Server; a unique key anywhere but "plain").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arena.domains.definition import Domain, definition, fk_order
from arena.errors import ArenaError
from arena.schema import Check, Column, Index, Schema, Table

if TYPE_CHECKING:
    from arena.engines.base import Engine

# Partitions created for a partition_by table: one per year, plus DEFAULT for anything
# outside them, so no generated timestamp is ever refused.
PARTITION_YEARS = range(2020, 2031)


def render(name: str, engine: Engine) -> list[str]:
    """The DDL creating domain `name` on `engine`, one statement per item, FK-safe order."""
    return render_domain(definition(name), engine)


def render_domain(domain: Domain, engine: Engine) -> list[str]:
    schema = domain.schema
    statements: list[str] = []
    if engine.enum_style == "type":
        for enum, labels in schema.enums.items():
            values = ", ".join(_value(engine, v) for v in labels)
            statements.append(f"CREATE TYPE {engine.quote(enum)} AS ENUM ({values})")
    actions = cascade_downgrades(schema) if engine.single_cascade_path else {}
    for table in fk_order(schema.tables):
        statements.append(_create_table(engine, table, domain, actions))
        if engine.range_partitions and domain.partition_keys.get(table.name):
            statements.extend(_partitions(engine, table))
        statements.extend(_indexes(engine, table))
    return statements


def drop_statements(name: str, engine: Engine) -> list[str]:
    """Drop what render() creates, children first. Missing objects are fine."""
    domain = definition(name)
    tables = [t.name for t in reversed(fk_order(domain.schema.tables))]
    cascade = " CASCADE" if engine.drop_table_cascade else ""
    statements = [f"DROP TABLE IF EXISTS {engine.quote(t)}{cascade}" for t in tables]
    if engine.enum_style == "type":
        statements += [
            f"DROP TYPE IF EXISTS {engine.quote(e)}{cascade}" for e in domain.schema.enums
        ]
    return statements


def _create_table(engine: Engine, table: Table, domain: Domain, actions: dict[str, str]) -> str:
    q = engine.quote
    lines = [f"{q(c.name)} {_column_sql(engine, c)}" for c in table.columns]
    key = _key_cols(engine, table, table.primary_key, unique=True)
    lines.append(f"CONSTRAINT {q(table.name + '_pkey')} PRIMARY KEY ({key})")
    for unique in table.uniques:
        if _filtered_unique(engine, table, unique.columns):
            continue  # a filtered unique index instead, see _indexes
        key = _key_cols(engine, table, unique.columns, unique=True)
        lines.append(f"CONSTRAINT {q(unique.name)} UNIQUE ({key})")
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
    if engine.range_partitions and partition_key:
        sql += f" PARTITION BY RANGE ({q(partition_key)})"
    return sql + engine.table_options


def _column_sql(engine: Engine, column: Column) -> str:
    if column.identity:
        return engine.identity_column_sql()
    parts = [_type_sql(engine, column)]
    if not column.nullable:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {_default_sql(engine, column)}")
    return " ".join(parts)


def _type_sql(engine: Engine, column: Column) -> str:
    if column.logical == "enum":
        labels = column.enum_values or ()
        if engine.enum_style == "type":
            return engine.quote(column.data_type)
        if engine.enum_style == "inline":
            return "ENUM(" + ", ".join(_value(engine, v) for v in labels) + ")"
        return engine.type_name(engine.enum_check_logical, max(len(v) for v in labels))
    length = column.length if column.logical in ("char", "varchar") else column.precision
    return engine.type_name(column.logical, length, column.scale)


def _default_sql(engine: Engine, column: Column) -> str:
    value = str(column.default)
    if value.lower() == "now":
        return engine.current_timestamp_sql
    if value.lower() in ("true", "false"):
        return engine.boolean_literal(value.lower() == "true")
    return value  # a number or a quoted string, the same in every dialect


def _all_checks(engine: Engine, table: Table) -> list[Check]:
    checks = list(table.checks)
    if engine.enum_style == "check":
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
        return f"{col} IN ({', '.join(_value(engine, v) for v in check.allowed)})"
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
    for unique in table.uniques:
        if _filtered_unique(engine, table, unique.columns):
            where = " AND ".join(f"{q(c)} IS NOT NULL" for c in unique.columns)
            statements.append(
                f"CREATE UNIQUE INDEX {q(unique.name)} ON {q(table.name)} "
                f"({_key_cols(engine, table, unique.columns, unique=True)}) WHERE {where}"
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
        key = _key_cols(engine, table, index.columns, unique=index.unique)
        statements.append(f"CREATE {unique}INDEX {q(index.name)} ON {q(table.name)} ({key})")
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


def cascade_downgrades(schema: Schema) -> dict[str, str]:
    """FK name -> NO ACTION where a single-cascade-path engine would refuse the declared
    action: a second cascade path between two tables, or a cascading self-reference."""
    downgraded: dict[str, str] = {}
    edges: list[tuple[str, str]] = []  # parent -> child along which deletes propagate
    for table in fk_order(schema.tables):
        for fk in table.foreign_keys:
            if fk.on_delete in ("NO ACTION", "RESTRICT"):
                continue
            trial = [*edges, (fk.ref_table, table.name)]
            if fk.ref_table == table.name or has_two_paths(trial):
                downgraded[fk.name] = "NO ACTION"
            else:
                edges = trial
    return downgraded


def has_two_paths(edges: list[tuple[str, str]]) -> bool:
    """Whether some table is reached from another along two different parent -> child paths."""
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


def _filtered_unique(engine: Engine, table: Table, columns: tuple[str, ...]) -> bool:
    return engine.unique_allows_one_null and any(table.column(c).nullable for c in columns)


# Logical types whose columns have no length limit an index can rely on.
UNBOUNDED = ("text", "json", "blob")


def _key_cols(engine: Engine, table: Table, columns: tuple[str, ...], unique: bool) -> str:
    """Index key columns, text ones as the engine can index them (see text_key_style)."""
    parts = []
    for name in columns:
        part = engine.quote(name)
        if table.column(name).logical in UNBOUNDED and engine.text_key_style != "plain":
            if unique or engine.text_key_style == "none":
                raise ArenaError(
                    f"{engine.display_name} cannot use {table.name}.{name} "
                    f"({table.column(name).logical}) in {'a unique key' if unique else 'an index'}.",
                    "Declare it varchar(n) in the domain file.",
                )
            part += f"({engine.text_key_prefix})"
        parts.append(part)
    return ", ".join(parts)


def _cols(engine: Engine, columns: tuple[str, ...]) -> str:
    return ", ".join(engine.quote(c) for c in columns)


def _value(engine: Engine, value: Any) -> str:
    """An enum label or CHECK value: numbers as written in the domain, text as a literal."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value)
    return engine.literal(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
