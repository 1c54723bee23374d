"""Neutral suite SQL -> one engine's SQL.

Steps and invariants are written once in PostgreSQL syntax with `:name` parameters; sqlglot
writes them in the engine's dialect. An override for the engine (by name, then family) is
taken as written, in that engine's own dialect; an override "n/a: why" makes the workflow not
applicable there, as does a required Capability the engine lacks. Tables and columns are
checked against a schema before anything runs, so a typo is one line naming both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from arena.domains.derived import NEUTRAL_DIALECT as NEUTRAL
from arena.scenarios.suite import PARAM_RE, Invariant, Step, SuiteError, Workflow, _is_na

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.schema import Schema

# sqlglot warns when it drops what a dialect lacks (FOR UPDATE on SQLite): intended here.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class CompiledStep:
    step: Step
    sql: str  # the engine's SQL with its placeholders
    params: tuple[str, ...]  # parameter names, in placeholder order
    returning: bool = False  # the new id comes back as a row (else the driver's lastrowid)


@dataclass(frozen=True, slots=True)
class CompiledWorkflow:
    workflow: Workflow
    steps: tuple[CompiledStep, ...] = ()
    not_applicable: str = ""  # why the workflow cannot run on this engine ("" = it can)

    @property
    def name(self) -> str:
        return self.workflow.name


@dataclass(frozen=True, slots=True)
class CompiledInvariant:
    invariant: Invariant
    sql: str
    not_applicable: str = ""

    @property
    def name(self) -> str:
        return self.invariant.name


def _chosen(sql: str, overrides: dict[str, str], engine: Engine) -> tuple[str, bool]:
    """(text, is_override) for this engine."""
    for key in (engine.name, engine.family):
        if key in overrides:
            return overrides[key], True
    return sql, False


def parse(sql: str, dialect: str, where: str) -> exp.Expression:
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0]
        raise SuiteError(f"{where}: SQL does not parse: {first}", "Fix the statement.") from None
    if len(trees) != 1:
        raise SuiteError(f"{where}: one statement per step, found {len(trees)}.")
    return trees[0]


def to_dialect(tree: exp.Expression, dialect: str) -> str:
    """The tree in `dialect`, with ORDER BY left as written: PostgreSQL sorts NULLs last
    ascending, MySQL and SQLite first, and sqlglot would emulate the difference with a
    CASE that defeats the index (the suites order by NOT NULL keys)."""
    if Dialect.get_or_raise(dialect).NULL_ORDERING == "nulls_are_small":
        tree = tree.copy()
        for ordered in tree.find_all(exp.Ordered):
            ordered.set("nulls_first", not ordered.args.get("desc"))
    return tree.sql(dialect=dialect)


def bind(sql: str, engine: Engine) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters (or sqlglot's `%(name)s`) -> the engine's placeholder, in order."""
    import re

    sql = re.sub(r"%\((\w+)\)s", r":\1", sql)
    names = tuple(PARAM_RE.findall(sql))
    if engine.paramstyle == "format":
        sql = sql.replace("%", "%%")  # a literal % would read as a placeholder start
    return PARAM_RE.sub(lambda _m: engine.placeholder, sql), names


def render(sql: str, overrides: dict[str, str], engine: Engine, where: str) -> str:
    """The statement for `engine` (still with :name parameters); "n/a: ..." passes through."""
    text, is_override = _chosen(sql, overrides, engine)
    if is_override or engine.sqlglot_dialect == NEUTRAL:
        return text
    return to_dialect(parse(text, NEUTRAL, where), engine.sqlglot_dialect)


def compile_workflow(
    workflow: Workflow, engine: Engine, schema: Schema | None, where: str = ""
) -> CompiledWorkflow:
    where = where or f"workflow {workflow.name}"
    for cap in workflow.requires:
        if not getattr(engine.capabilities, cap):
            return CompiledWorkflow(workflow, (), f"{engine.display_name} has no {cap}")
    steps = []
    for i, step in enumerate(workflow.steps):
        here = f"{where}, step {i + 1}"
        text, is_override = _chosen(step.sql, step.overrides, engine)
        if _is_na(text):
            return CompiledWorkflow(workflow, (), text.split(":", 1)[-1].strip() or "n/a")
        if schema is not None:
            dialect = engine.sqlglot_dialect if is_override else NEUTRAL
            check_references(parse(text, dialect, here), schema, here)
        rendered = render(step.sql, step.overrides, engine, here)
        returning = bool(step.returns) and engine.capabilities.returning
        if returning:
            rendered += f" RETURNING {engine.quote(step.returns_column)}"
        sql, names = bind(rendered, engine)
        steps.append(CompiledStep(step, sql, names, returning))
    return CompiledWorkflow(workflow, tuple(steps))


def compile_invariant(
    invariant: Invariant, engine: Engine, schema: Schema | None
) -> CompiledInvariant:
    where = f"invariant {invariant.name}"
    text, is_override = _chosen(invariant.sql, invariant.overrides, engine)
    if _is_na(text):
        return CompiledInvariant(invariant, "", text.split(":", 1)[-1].strip() or "n/a")
    if schema is not None:
        dialect = engine.sqlglot_dialect if is_override else NEUTRAL
        check_references(parse(text, dialect, where), schema, where)
    sql, names = bind(render(invariant.sql, invariant.overrides, engine, where), engine)
    if names:
        raise SuiteError(f"{where}: an invariant takes no parameters (:{names[0]}).")
    return CompiledInvariant(invariant, sql)


def check_references(tree: exp.Expression, schema: Schema, where: str) -> None:
    """Every table the statement names exists, and every column it names on one exists."""
    tables = {t.name.lower(): t for t in schema.tables}
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    aliases: dict[str, str] = {}  # alias or name -> real table
    for node in tree.find_all(exp.Table):
        name = node.name.lower()
        if not name or name in ctes:
            continue
        if name not in tables:
            close = sqlglot_close(name, tables)
            raise SuiteError(
                f"{where}: table '{node.name}' does not exist in the schema.",
                (f"Did you mean {close}? " if close else "") + "Tables: "
                + ", ".join(sorted(tables)) + ".",
            )  # fmt: skip
        aliases[node.alias_or_name.lower()] = name
        aliases.setdefault(name, name)
    outputs = {a.alias.lower() for a in tree.find_all(exp.Alias)}
    real = set(aliases.values())
    single = next(iter(real)) if len(real) == 1 else None

    def check(table_name: str, column: str) -> None:
        table = tables[table_name]
        if column.lower() not in {c.name.lower() for c in table.columns}:
            raise SuiteError(
                f"{where}: column '{column}' does not exist in table '{table.name}'.",
                f"Columns of {table.name}: {', '.join(c.name for c in table.columns)}.",
            )

    if isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema):
        target = tree.this.this.name.lower()
        for ident in tree.this.expressions:
            check(target, ident.name)
    for col in tree.find_all(exp.Column):
        if isinstance(col.this, exp.Star) or not col.name:
            continue
        qualifier = col.table.lower()
        if qualifier:
            if qualifier in aliases:
                check(aliases[qualifier], col.name)
        elif single is not None and col.name.lower() not in outputs:
            check(single, col.name)


def sqlglot_close(name: str, known: dict[str, object]) -> str | None:
    from arena.errors import did_you_mean

    return did_you_mean(name, known)
