"""CHECK constraints as catalogs show them -> arena.schema.Check.

Every engine rewrites the CHECK it was given before it stores it, so the same constraint
comes back in four spellings; sqlglot parses each one and this module recognises the forms a
seeder can satisfy:

    col IN (...)          PostgreSQL: ((col)::text = ANY ((ARRAY['a'::varchar, ...])::text[]))
                          SQL Server: ([col]='b' OR [col]='a')
                          MySQL 8:    (`col` in (_utf8mb4'a',_utf8mb4'b'))
    col BETWEEN a AND b   PostgreSQL and SQL Server: ((col >= a) AND (col <= b))
    col > n, >=, <, <=    also n < col; PostgreSQL: (col >= (0)::numeric)

Anything else keeps only `expression` (column None), so callers can name what they cannot
satisfy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlglot
from sqlglot import exp

from arena.schema import Check


@dataclass(frozen=True, slots=True)
class _Form:
    """What a sub-expression constrains: one column to a set of values or a numeric range."""

    column: str
    allowed: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True


def parse_check(name: str, expression: str, dialect: str) -> Check:
    """The structured Check for `expression` (as the catalog spells it) in sqlglot `dialect`."""
    text = strip_check_keyword(expression)
    form = None
    try:
        form = _analyze(sqlglot.parse_one(text, read=dialect))
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        form = None
    if form is None:
        return Check(name=name, expression=text)
    return Check(
        name=name,
        expression=text,
        column=form.column,
        allowed=form.allowed,
        low=None if form.low is None else float(form.low),
        high=None if form.high is None else float(form.high),
        low_inclusive=form.low_inclusive,
        high_inclusive=form.high_inclusive,
    )


def strip_check_keyword(expression: str) -> str:
    """`CHECK (x) NOT VALID` (pg_get_constraintdef) -> `(x)`."""
    text = expression.strip()
    if text.upper().startswith("CHECK"):
        text = text[5:].strip()
    if text.upper().endswith("NOT VALID"):
        text = text[: -len("NOT VALID")].strip()
    return text


def check_column(expression: str, dialect: str) -> str | None:
    """The single column an expression mentions (for checks only an engine function knows,
    e.g. MariaDB's json_valid(`col`)), else None."""
    try:
        tree = sqlglot.parse_one(strip_check_keyword(expression), read=dialect)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    names = {c.name for c in tree.find_all(exp.Column)}
    return names.pop() if len(names) == 1 else None


_COMPARISONS: dict[type[exp.Expression], tuple[str, bool]] = {
    # node type -> (which bound the literal sets when the column is on the left, inclusive)
    exp.GT: ("low", False),
    exp.GTE: ("low", True),
    exp.LT: ("high", False),
    exp.LTE: ("high", True),
}
_MIRROR = {"low": "high", "high": "low"}


def _analyze(node: exp.Expression) -> _Form | None:
    node = _unwrap(node)
    if isinstance(node, exp.In):
        column = _column(node.this)
        values = [_literal(v) for v in node.expressions]
        if column is None or not values or any(v is _NO for v in values):
            return None
        return _Form(column, allowed=tuple(values))
    if isinstance(node, exp.EQ):
        return _equality(node)
    if isinstance(node, exp.Between):
        column = _column(node.this)
        low, high = _number(node.args.get("low")), _number(node.args.get("high"))
        if column is None or low is None or high is None:
            return None
        return _Form(column, low=low, high=high)
    if type(node) in _COMPARISONS:
        return _comparison(node)
    if isinstance(node, exp.Or):
        left, right = _analyze(node.this), _analyze(node.expression)
        if (
            left is None
            or right is None
            or left.column != right.column
            or left.allowed is None
            or right.allowed is None
        ):
            return None
        return _Form(left.column, allowed=left.allowed + right.allowed)
    if isinstance(node, exp.And):
        left, right = _analyze(node.this), _analyze(node.expression)
        if left is None or right is None or left.column != right.column:
            return None
        return _intersect(left, right)
    return None


def _equality(node: exp.EQ) -> _Form | None:
    column = _column(node.this)
    other = _unwrap(node.expression)
    if column is None:  # 'a' = col
        column, other = _column(node.expression), _unwrap(node.this)
    if column is None:
        return None
    if isinstance(other, exp.Any):  # PostgreSQL's rewrite of IN: col = ANY (ARRAY[...])
        array = _unwrap(other.this)
        if not isinstance(array, exp.Array):
            return None
        values = [_literal(v) for v in array.expressions]
        if not values or any(v is _NO for v in values):
            return None
        return _Form(column, allowed=tuple(values))
    value = _literal(other)
    return None if value is _NO else _Form(column, allowed=(value,))


def _comparison(node: exp.Expression) -> _Form | None:
    bound, inclusive = _COMPARISONS[type(node)]
    column, number = _column(node.this), _number(node.expression)
    if column is None:  # n < col: the literal bounds the other side
        column, number = _column(node.expression), _number(node.this)
        bound = _MIRROR[bound]
    if column is None or number is None:
        return None
    if bound == "low":
        return _Form(column, low=number, low_inclusive=inclusive)
    return _Form(column, high=number, high_inclusive=inclusive)


def _intersect(a: _Form, b: _Form) -> _Form | None:
    if a.allowed is not None or b.allowed is not None:
        return None
    merged = a
    if b.low is not None and (a.low is None or b.low > a.low):
        merged = replace(merged, low=b.low, low_inclusive=b.low_inclusive)
    if b.high is not None and (a.high is None or b.high < a.high):
        merged = replace(merged, high=b.high, high_inclusive=b.high_inclusive)
    return merged


def _unwrap(node: exp.Expression | None) -> exp.Expression | None:
    """Drop parentheses, casts and charset introducers: engines add them, meaning stays."""
    while isinstance(node, exp.Paren | exp.Cast | exp.Introducer | exp.Tuple):
        if isinstance(node, exp.Introducer):
            node = node.expression
        elif isinstance(node, exp.Tuple):
            if len(node.expressions) != 1:
                return node
            node = node.expressions[0]
        else:
            node = node.this
    return node


def _column(node: exp.Expression | None) -> str | None:
    node = _unwrap(node)
    return node.name if isinstance(node, exp.Column) else None


_NO = object()  # "not a literal" (None is a legitimate value: NULL)


def _literal(node: exp.Expression | None) -> Any:
    node = _unwrap(node)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return _to_number(node.this)
    if isinstance(node, exp.Neg):
        inner = _literal(node.this)
        return -inner if isinstance(inner, int | float) else _NO
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    return _NO


def _number(node: exp.Expression | None) -> float | None:
    value = _literal(node)
    if isinstance(value, bool) or value is _NO:
        return None
    if isinstance(value, str):  # PostgreSQL: '-1000'::integer
        try:
            return _to_number(value)
        except ValueError:
            return None
    return value


def _to_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)
