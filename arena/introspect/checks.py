"""The one CHECK analyzer: a constraint's text -> the forms arena can satisfy.

Used by introspection (catalog text -> `arena.schema.Check`), the domain schemas (neutral
text -> Check) and seeding (Check -> per-column generator rules). Each expression is parsed
once, in the dialect of the engine that stored it (`Engine.sqlglot_dialect`), and the result
is cached: every caller gets the same answer for the same text.

Every engine rewrites the CHECK it was given before it stores it, so one constraint comes
back in four spellings; all of them reduce to the same forms:

    col IN (...)          PostgreSQL: ((col)::text = ANY ((ARRAY['a'::varchar, ...])::text[]))
                          SQL Server: ([col]='b' OR [col]='a')
                          MySQL 8:    (`col` in (_utf8mb4'a',_utf8mb4'b'))
    col BETWEEN a AND b   PostgreSQL and SQL Server: ((col >= a) AND (col <= b))
    col > n, >=, <, <=    also n < col; PostgreSQL: (col >= (0)::numeric)
    col = v, col <> v     col_a > col_b (>=, <, <=)    length(col) > n (>=)
    col IS NOT NULL       json_valid(col)              A AND B
    col IS NULL OR A      (A is satisfied; arena may still write NULLs)
    length(col) = n, <, <=, BETWEEN (char_length, octet_length, LEN)
    col ~ re, ~*, REGEXP, RLIKE, SIMILAR TO, LIKE, GLOB      (a pattern the value matches)
    col NOT IN (...)      col * k <= n (+, -, /: one column, literal operands)
    any AND/OR/NOT of `col IS [NOT] NULL` tests: solved for which columns are set

API (stable; helper modules import these names):
    analyze(expression, dialect) -> Analysis      forms, or the reason there are none
    check_forms(check, dialect) -> Analysis       a Check's forms (its structured fields first)
    parse_check(name, expression, dialect) -> Check
    check_column(expression, dialect) -> str | None
    strip_check_keyword(expression) -> str
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from arena.introspect import null_checks
from arena.introspect.sql_nodes import column_of as _column
from arena.introspect.sql_nodes import null_test as _null_test
from arena.introspect.sql_nodes import unwrap as _unwrap
from arena.schema import Check

# Form kinds: what one CHECK demands of one column.
IN = "in"  # the value is one of `values`
LOW = "low"  # value >= bound (> when not inclusive)
HIGH = "high"  # value <= bound (< when not inclusive)
NOT_EQUAL = "not"  # value != values[0]
NOT_NULL = "not_null"
JSON = "json"  # a valid JSON document
MIN_LENGTH = "min_length"  # len(value) >= bound
AFTER = "after"  # value >= column `other` of the same row (> when not inclusive)
MAX_LENGTH = "max_length"  # len(value) <= bound
PATTERN = "pattern"  # re.search(values[0], value): a Python regex (see arena/seed/patterns.py)


@dataclass(frozen=True, slots=True)
class Form:
    kind: str
    column: str
    values: tuple[Any, ...] = ()
    bound: float | None = None
    inclusive: bool = True
    other: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """`forms` all hold when the CHECK holds is not claimed: they are what arena writes so
    that it holds. `exact`: the forms say all the CHECK says (no `col IS NULL OR` relaxed);
    `problem`: why arena cannot satisfy it (then `forms` is empty)."""

    forms: tuple[Form, ...] = ()
    exact: bool = True
    problem: str | None = None
    columns: frozenset[str] = frozenset()  # every column the expression mentions


class _Unsupported(Exception):
    pass


def strip_check_keyword(expression: str) -> str:
    """`CHECK (x) NOT VALID` (pg_get_constraintdef) -> `(x)`."""
    text = expression.strip()
    # the keyword, not a column that starts with it (check_out > check_in)
    if re.match(r"CHECK\b", text, re.IGNORECASE):
        text = text[5:].strip()
    if text.upper().endswith("NOT VALID"):
        text = text[: -len("NOT VALID")].strip()
    return text


@lru_cache(maxsize=4096)
def analyze(expression: str, dialect: str) -> Analysis:
    """The forms of a CHECK expression as the engine of sqlglot `dialect` spells it."""
    try:
        tree = sqlglot.parse_one(strip_check_keyword(expression), read=dialect)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        return Analysis(problem="its expression does not parse")
    columns = frozenset(c.name for c in tree.find_all(exp.Column))
    try:
        forms, exact = _forms(tree)
    except _Unsupported as exc:
        return Analysis(problem=str(exc), columns=columns)
    except ValueError:  # a numeric literal Python cannot read (0x1F)
        return Analysis(problem="a number in it is not decimal", columns=columns)
    return Analysis(forms, exact, None, columns)


def check_forms(check: Check, dialect: str) -> Analysis:
    """A Check's forms: its structured fields when introspection filled them (they are this
    analyzer's own output), else its expression analyzed in `dialect`."""
    if check.column is not None and (
        check.allowed is not None or check.low is not None or check.high is not None
    ):
        forms = []
        if check.allowed is not None:
            forms.append(Form(IN, check.column, tuple(check.allowed)))
        if check.low is not None:
            forms.append(Form(LOW, check.column, bound=check.low, inclusive=check.low_inclusive))
        if check.high is not None:
            forms.append(Form(HIGH, check.column, bound=check.high, inclusive=check.high_inclusive))
        return Analysis(tuple(forms), True, None, frozenset({check.column}))
    return analyze(check.expression, dialect)


def parse_check(name: str, expression: str, dialect: str) -> Check:
    """The structured Check for `expression` (as the catalog spells it) in sqlglot `dialect`:
    column/allowed/low/high are filled when the whole CHECK is one IN list or one range on
    one column; anything else keeps only `expression`, so callers can name it."""
    text = strip_check_keyword(expression)
    simple = _simple(analyze(text, dialect))
    if simple is None:
        return Check(name=name, expression=text)
    column, allowed, low, high = simple
    return Check(
        name=name,
        expression=text,
        column=column,
        allowed=allowed,
        low=None if low is None else float(low.bound),
        high=None if high is None else float(high.bound),
        low_inclusive=True if low is None else low.inclusive,
        high_inclusive=True if high is None else high.inclusive,
    )


def check_column(expression: str, dialect: str) -> str | None:
    """The single column an expression mentions (for checks only an engine function knows,
    e.g. MariaDB's json_valid(`col`)), else None."""
    columns = analyze(expression, dialect).columns
    return next(iter(columns)) if len(columns) == 1 else None


def _simple(analysis: Analysis) -> tuple[str, tuple | None, Form | None, Form | None] | None:
    """(column, allowed, tightest low, tightest high) when the analysis is exactly one IN
    list or one range on one column."""
    forms = analysis.forms
    if not forms or not analysis.exact or len({f.column for f in forms}) != 1:
        return None
    kinds = [f.kind for f in forms]
    if kinds == [IN]:
        return forms[0].column, forms[0].values, None, None
    if not set(kinds) <= {LOW, HIGH}:
        return None
    low = high = None
    for form in forms:
        if form.kind == LOW:
            low = form if low is None else _tighter(low, form, 1)
        else:
            high = form if high is None else _tighter(high, form, -1)
    return forms[0].column, None, low, high


def _tighter(a: Form, b: Form, direction: int) -> Form:
    """Of two bounds on the same side, the one that admits less (direction 1: the larger
    low; -1: the smaller high); on a tie the exclusive one."""
    if (b.bound - a.bound) * direction > 0:
        return b
    if b.bound == a.bound and not b.inclusive:
        return b
    return a


# -- the walk -----------------------------------------------------------------------------

_COMPARISONS: dict[type[exp.Expression], tuple[str, bool]] = {
    # node type -> (the bound a literal on the right sets, inclusive)
    exp.GT: (LOW, False),
    exp.GTE: (LOW, True),
    exp.LT: (HIGH, False),
    exp.LTE: (HIGH, True),
}
_MIRROR = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}


def _forms(node: exp.Expression) -> tuple[tuple[Form, ...], bool]:
    """(forms, exact) of a sub-expression, or _Unsupported."""
    node = _unwrap(node)
    nulls = null_checks.columns_to_set(node)
    if nulls is not None:
        return tuple(Form(NOT_NULL, c) for c in nulls), True
    if isinstance(node, exp.And):
        left, left_exact = _forms(node.this)
        right, right_exact = _forms(node.expression)
        return left + right, left_exact and right_exact
    if isinstance(node, exp.Or):
        return _disjunction(node)
    if isinstance(node, exp.Not):
        inner = _unwrap(node.this)
        if isinstance(inner, exp.In):  # col NOT IN (...): every value excluded
            column = _column(inner.this)
            values = tuple(_literal(v) for v in inner.expressions)
            if column is None or not values or _NO in values or None in values:
                raise _unsupported(node)
            return tuple(Form(NOT_EQUAL, column, (v,)) for v in values), True
        column = _null_test(node.this)  # NOT (col IS NULL) = col IS NOT NULL
        if column is None:
            raise _unsupported(node)
        return (Form(NOT_NULL, column),), True
    pattern = _pattern(node)
    if pattern is not None:
        return (pattern,), True
    if isinstance(node, exp.Between) and _length_of(node.this) is not None:
        low, high = _number(node.args.get("low")), _number(node.args.get("high"))
        if low is None or high is None:
            raise _unsupported(node)
        column = _length_of(node.this)
        return (Form(MIN_LENGTH, column, bound=low), Form(MAX_LENGTH, column, bound=high)), True
    if isinstance(node, exp.In):
        column = _column(node.this)
        values = tuple(_literal(v) for v in node.expressions)
        if column is None or not values or _NO in values:
            raise _unsupported(node)
        return (Form(IN, column, values),), True
    if isinstance(node, exp.Between):
        column = _column(node.this)
        low, high = _number(node.args.get("low")), _number(node.args.get("high"))
        if column is None or low is None or high is None:
            raise _unsupported(node)
        return (Form(LOW, column, bound=low), Form(HIGH, column, bound=high)), True
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_valid":
        column = _column(node.expressions[0]) if len(node.expressions) == 1 else None
        if column is None:
            raise _unsupported(node)
        return (Form(JSON, column),), True
    if isinstance(node, exp.EQ | exp.NEQ) or type(node) in _COMPARISONS:
        found = _comparison(node)
        return (found if isinstance(found, tuple) else (found,)), True
    raise _unsupported(node)


def _disjunction(node: exp.Or) -> tuple[tuple[Form, ...], bool]:
    """`col IS NULL OR A`: A, relaxed. Otherwise every branch one IN list on one column:
    the union of the lists."""
    for maybe_null, other in ((node.this, node.expression), (node.expression, node.this)):
        if _null_test(maybe_null) is not None:
            forms, _ = _forms(other)
            return forms, False
    left, _ = _forms(node.this)
    right, _ = _forms(node.expression)
    if (
        len(left) == 1
        and len(right) == 1
        and left[0].kind == right[0].kind == IN
        and left[0].column == right[0].column
    ):
        return (Form(IN, left[0].column, left[0].values + right[0].values),), True
    raise _unsupported(node)


def _comparison(node: exp.Expression) -> Form | tuple[Form, ...]:
    op = type(node)
    left, right = _unwrap(node.this), _unwrap(node.expression)
    if _literal(left) is not _NO and _literal(right) is _NO:  # 5 < col: read it as col > 5
        left, right, op = right, left, _MIRROR.get(op, op)
    column, other = _column(left), _column(right)
    if isinstance(right, exp.Any):  # PostgreSQL's rewrite of IN: col = ANY (ARRAY[...])
        array = _unwrap(right.this)
        if op is not exp.EQ or column is None or not isinstance(array, exp.Array):
            raise _unsupported(node)
        values = tuple(_literal(v) for v in array.expressions)
        if not values or _NO in values:
            raise _unsupported(node)
        return Form(IN, column, values)
    if isinstance(right, exp.All) or (
        isinstance(right, exp.Anonymous) and str(right.this).upper() == "ALL"
    ):  # PostgreSQL's rewrite of NOT IN: col <> ALL (ARRAY[...]); sqlglot: All or ALL()
        inner = right.this if isinstance(right, exp.All) else right.expressions[0]
        array = _unwrap(inner)
        if op is not exp.NEQ or column is None or not isinstance(array, exp.Array):
            raise _unsupported(node)
        values = tuple(_literal(v) for v in array.expressions)
        if not values or _NO in values:
            raise _unsupported(node)
        return tuple(Form(NOT_EQUAL, column, (v,)) for v in values)
    length_of = _length_of(left)
    if length_of is not None:
        limit = _literal(right)
        if isinstance(limit, bool) or not isinstance(limit, int) or op is exp.NEQ:
            raise _unsupported(node)
        if op is exp.EQ:
            return Form(MIN_LENGTH, length_of, bound=limit), Form(
                MAX_LENGTH, length_of, bound=limit
            )
        if op in (exp.GT, exp.GTE):
            return Form(MIN_LENGTH, length_of, bound=limit + (op is exp.GT))
        return Form(MAX_LENGTH, length_of, bound=limit - (op is exp.LT))
    left, right, op = _solve_arithmetic(left, right, op)
    column = _column(left)
    if column is None:
        raise _unsupported(node)
    if other is not None:  # two columns of the same row
        if op in (exp.GT, exp.GTE):
            return Form(AFTER, column, other=other, inclusive=op is exp.GTE)
        if op in (exp.LT, exp.LTE):
            return Form(AFTER, other, other=column, inclusive=op is exp.LTE)
        raise _unsupported(node)
    if op in (exp.EQ, exp.NEQ):
        value = _literal(right)
        if value is _NO:
            raise _unsupported(node)
        return Form(IN if op is exp.EQ else NOT_EQUAL, column, (value,))
    bound, inclusive = _COMPARISONS[op]
    number = _number(right)
    if number is None:
        raise _unsupported(node)
    return Form(bound, column, bound=number, inclusive=inclusive)


_LENGTH_FUNCTIONS = ("octet_length", "length", "char_length", "character_length", "len")


def _length_of(node: exp.Expression | None) -> str | None:
    """The column of length(col), else None (sqlglot reads char_length, len and
    character_length as the same Length node in every dialect; octet_length stays a plain
    function call: arena writes ASCII, so bytes and characters agree)."""
    node = _unwrap(node)
    if isinstance(node, exp.Length):
        return _column(node.this)
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in _LENGTH_FUNCTIONS:
        return _column(node.expressions[0]) if len(node.expressions) == 1 else None
    return None


_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}


def _solve_arithmetic(left, right, op):
    """`col * k op n` (also +, -, / by a literal k) -> `col op' n'`; anything else as is."""
    while isinstance(left, exp.Mul | exp.Add | exp.Sub | exp.Div):
        number, target = _number(left.expression), _unwrap(left.this)
        if number is None and isinstance(left, exp.Mul | exp.Add):  # k * col, k + col
            number, target = _number(left.this), _unwrap(left.expression)
        value = _number(right)
        if number is None or value is None:
            return left, right, op
        if isinstance(left, exp.Add):
            value -= number
        elif isinstance(left, exp.Sub):
            value += number
        elif isinstance(left, exp.Mul):
            if number == 0:
                return left, right, op
            value /= number
            op = _FLIP.get(op, op) if number < 0 else op
        else:
            value *= number
            op = _FLIP.get(op, op) if number < 0 else op
        left, right = target, exp.Literal.number(value)
    return left, right, op


_PATTERN_NODES = (exp.RegexpLike, exp.RegexpILike, exp.SimilarTo, exp.Like, exp.ILike, exp.Glob)


def _pattern(node: exp.Expression) -> Form | None:
    """`col ~ 're'`, REGEXP, RLIKE, SIMILAR TO, LIKE, GLOB -> a PATTERN form (Python regex)."""
    if not isinstance(node, _PATTERN_NODES):
        return None
    from arena.seed import patterns  # the converters live with the generator that uses them

    column, text = _column(node.this), _literal(node.expression)
    escape = _unwrap(node.expression)
    if isinstance(escape, exp.Anonymous) and str(escape.this).lower() == "similar_to_escape":
        # PostgreSQL stores SIMILAR TO as `col ~ similar_to_escape('pattern')`
        text = _literal(escape.expressions[0]) if len(escape.expressions) == 1 else _NO
        if column is None or not isinstance(text, str):
            raise _unsupported(node)
        return Form(PATTERN, column, (patterns.similar_regex(text),))
    if column is None or not isinstance(text, str) or node.args.get("escape"):
        raise _unsupported(node)
    if isinstance(node, exp.Like | exp.ILike):
        regex = patterns.like_regex(text)
    elif isinstance(node, exp.Glob):
        regex = patterns.glob_regex(text)
    elif isinstance(node, exp.SimilarTo):
        regex = patterns.similar_regex(text)
    else:
        regex = patterns.posix_regex(text)
    return Form(PATTERN, column, (regex,))


def _unsupported(node: exp.Expression) -> _Unsupported:
    return _Unsupported(f"arena cannot satisfy the form {node.sql()[:80]}")


_NO = object()  # "not a literal" (None is a legitimate value: NULL)


def _literal(node: exp.Expression | None) -> Any:
    node = _unwrap(node)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return _to_number(node.this)
    if isinstance(node, exp.Neg):
        inner = _literal(node.this)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else _NO
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
