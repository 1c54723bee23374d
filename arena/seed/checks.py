"""CHECK constraints -> per-column rules the generators can satisfy.

Introspection fills `Check.allowed/low/high` for the simple forms; everything else arrives as
the catalog's expression text, which is parsed here with sqlglot. Understood forms, combined
with AND (and OR where one branch is `col IS NULL`):

    col IN (...)   col = ANY (ARRAY[...])   col BETWEEN a AND b   col > n (>=, <, <=, =, <>)
    col_a > col_b (>=, <, <=)   length/char_length(col) > n   col IS NOT NULL
    json_valid(col)   col <> ''

Anything else is a CHECK arena cannot satisfy: `Unsatisfiable` names it, unless every column
it mentions has a generator configured in the seeds YAML (then the user's word stands).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from arena.schema import Check, Table


@dataclass
class ColumnRules:
    allowed: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    not_null: bool = False
    after: list[tuple[str, bool]] = field(default_factory=list)  # (other column, strict)
    before: list[tuple[str, bool]] = field(default_factory=list)
    json: bool = False
    min_length: int = 0
    excluded: list[Any] = field(default_factory=list)

    def tighten_low(self, value: float, inclusive: bool, step: float) -> None:
        value = value if inclusive else value + step
        self.low = value if self.low is None else max(self.low, value)

    def tighten_high(self, value: float, inclusive: bool, step: float) -> None:
        value = value if inclusive else value - step
        self.high = value if self.high is None else min(self.high, value)

    def restrict(self, values: list[Any]) -> None:
        self.allowed = values if self.allowed is None else [v for v in self.allowed if v in values]


class Unsatisfiable(Exception):
    def __init__(self, check: Check, why: str) -> None:
        super().__init__(why)
        self.check, self.why = check, why


def step_for(table: Table, column: str) -> float:
    """The smallest increment of a column's type: exclusive bounds move by one step."""
    try:
        col = table.column(column)
    except KeyError:
        return 1.0
    if col.logical == "decimal":
        return 10.0 ** -(col.scale or 0)
    if col.logical == "float":
        return 1e-4
    return 1.0


def rules_for(table: Table, configured: set[str]) -> tuple[dict[str, ColumnRules], list[str]]:
    """Column rules from every CHECK of the table. Returns (rules, checks left to the config)."""
    rules: dict[str, ColumnRules] = {}
    trusted: list[str] = []
    for check in table.checks:
        try:
            _apply_check(table, check, rules)
        except Unsatisfiable:
            mentioned = _columns_in(check.expression)
            if mentioned and mentioned <= configured:
                trusted.append(check.name)
                continue
            raise
    return rules, trusted


def _apply_check(table: Table, check: Check, rules: dict[str, ColumnRules]) -> None:
    if check.column and (
        check.allowed is not None or check.low is not None or check.high is not None
    ):
        rule = rules.setdefault(check.column, ColumnRules())
        step = step_for(table, check.column)
        if check.allowed is not None:
            rule.restrict(list(check.allowed))
        if check.low is not None:
            rule.tighten_low(check.low, check.low_inclusive, step)
        if check.high is not None:
            rule.tighten_high(check.high, check.high_inclusive, step)
        return
    tree = _parse(check.expression)
    if tree is None:
        raise Unsatisfiable(check, "its expression does not parse")
    _walk(table, check, tree, rules)


def _parse(text: str) -> exp.Expression | None:
    for dialect in ("postgres", "mysql", "tsql", "sqlite"):
        try:
            return sqlglot.parse_one(text, read=dialect)
        except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
            continue
    return None


def _columns_in(text: str) -> set[str]:
    tree = _parse(text)
    return {c.name for c in tree.find_all(exp.Column)} if tree is not None else set()


def _strip(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren | exp.Cast | exp.TryCast):
        node = node.this
    return node


def _literal(node: exp.Expression) -> Any:
    node = _strip(node)
    if isinstance(node, exp.Neg):
        value = _literal(node.this)
        return -value if isinstance(value, int | float) else _NOT_LITERAL
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        return int(text) if text.lstrip("-").isdigit() else float(text)
    if isinstance(node, exp.Boolean):
        return node.this
    return _NOT_LITERAL


_NOT_LITERAL = object()

_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ, exp.NEQ: exp.NEQ}  # fmt: skip


def _walk(table: Table, check: Check, node: exp.Expression, rules: dict[str, ColumnRules]) -> None:
    node = _strip(node)
    fail = Unsatisfiable(check, f"arena cannot satisfy the form {node.sql()[:80]}")
    if isinstance(node, exp.And):
        _walk(table, check, node.this, rules)
        _walk(table, check, node.expression, rules)
        return
    if isinstance(node, exp.Or):
        # `col IS NULL OR <rule>`: satisfy the rule (arena may still write NULLs).
        left, right = _strip(node.this), _strip(node.expression)
        for maybe_null, other in ((left, right), (right, left)):
            if isinstance(maybe_null, exp.Is) and isinstance(
                _strip(maybe_null.expression), exp.Null
            ):
                _walk(table, check, other, rules)
                return
        # Otherwise an OR of IN/equality lists on one column: the union of the values.
        values = _or_values(node)
        if values is None:
            raise fail
        column, allowed = values
        rules.setdefault(column, ColumnRules()).restrict(allowed)
        return
    if isinstance(node, exp.Not):
        inner = _strip(node.this)
        if isinstance(inner, exp.Is) and isinstance(_strip(inner.expression), exp.Null):
            column = _strip(inner.this)
            if isinstance(column, exp.Column):
                rules.setdefault(column.name, ColumnRules()).not_null = True
                return
        raise fail
    if isinstance(node, exp.Is) and isinstance(_strip(node.expression), exp.Null):
        raise fail
    if isinstance(node, exp.In):
        column = _strip(node.this)
        values = [_literal(v) for v in node.expressions]
        if not isinstance(column, exp.Column) or any(v is _NOT_LITERAL for v in values):
            raise fail
        rules.setdefault(column.name, ColumnRules()).restrict(values)
        return
    if isinstance(node, exp.Between):
        column = _strip(node.this)
        low, high = _literal(node.args["low"]), _literal(node.args["high"])
        if not isinstance(column, exp.Column) or not all(
            isinstance(v, int | float) for v in (low, high)
        ):
            raise fail
        rule = rules.setdefault(column.name, ColumnRules())
        step = step_for(table, column.name)
        rule.tighten_low(low, True, step)
        rule.tighten_high(high, True, step)
        return
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_valid":
        column = _strip(node.expressions[0]) if node.expressions else None
        if isinstance(column, exp.Column):
            rules.setdefault(column.name, ColumnRules()).json = True
            return
        raise fail
    if type(node) in _FLIP:
        _comparison(table, check, node, rules, fail)
        return
    raise fail


def _or_values(node: exp.Expression) -> tuple[str, list[Any]] | None:
    node = _strip(node)
    if isinstance(node, exp.Or):
        left, right = _or_values(node.this), _or_values(node.expression)
        if left and right and left[0] == right[0]:
            return left[0], left[1] + right[1]
        return None
    if isinstance(node, exp.EQ):
        column, value = _strip(node.this), _literal(node.expression)
        if isinstance(column, exp.Column) and value is not _NOT_LITERAL:
            return column.name, [value]
    if isinstance(node, exp.In):
        column = _strip(node.this)
        values = [_literal(v) for v in node.expressions]
        if isinstance(column, exp.Column) and _NOT_LITERAL not in values:
            return column.name, values
    return None


def _comparison(table, check, node, rules, fail) -> None:
    op = type(node)
    left, right = _strip(node.this), _strip(node.expression)
    if isinstance(right, exp.Column) and not isinstance(left, exp.Column):
        left, right, op = right, left, _FLIP[op]
    # col = ANY (ARRAY[...]): PostgreSQL's rendering of IN.
    if op is exp.EQ and isinstance(left, exp.Column) and isinstance(right, exp.Any):
        array = _strip(right.this)
        values = [_literal(v) for v in array.expressions] if isinstance(array, exp.Array) else []
        if not values or _NOT_LITERAL in values:
            raise fail
        rules.setdefault(left.name, ColumnRules()).restrict(values)
        return
    if isinstance(left, exp.Length | exp.Anonymous) and op in (exp.GT, exp.GTE):
        inner = _strip(left.this if isinstance(left, exp.Length) else left.expressions[0])
        limit = _literal(right)
        name = left.name.lower() if isinstance(left, exp.Anonymous) else "length"
        if isinstance(inner, exp.Column) and isinstance(limit, int) and "len" in name:
            rule = rules.setdefault(inner.name, ColumnRules())
            rule.min_length = max(rule.min_length, limit + (1 if op is exp.GT else 0))
            return
        raise fail
    if not isinstance(left, exp.Column):
        raise fail
    rule = rules.setdefault(left.name, ColumnRules())
    if isinstance(right, exp.Column):
        if op in (exp.GT, exp.GTE):
            rule.after.append((right.name, op is exp.GT))
        elif op in (exp.LT, exp.LTE):
            rules.setdefault(right.name, ColumnRules()).after.append((left.name, op is exp.LT))
        else:
            raise fail
        return
    value = _literal(right)
    if value is _NOT_LITERAL:
        raise fail
    step = step_for(table, left.name)
    if op is exp.EQ:
        rule.restrict([value])
    elif op is exp.NEQ:
        rule.excluded.append(value)
        if isinstance(value, str) and value == "":
            rule.min_length = max(rule.min_length, 1)
    elif not isinstance(value, int | float):
        raise fail
    elif op in (exp.GT, exp.GTE):
        rule.tighten_low(value, op is exp.GTE, step)
    else:
        rule.tighten_high(value, op is exp.LTE, step)
