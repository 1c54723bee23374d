"""Small readers of sqlglot CHECK trees shared by the analyzer (arena/introspect/checks.py)
and its NULL-combination solver (arena/introspect/null_checks.py)."""

from __future__ import annotations

from sqlglot import exp


def unwrap(node: exp.Expression | None) -> exp.Expression | None:
    """Drop parentheses, casts and charset introducers: engines add them, meaning stays."""
    while isinstance(node, exp.Paren | exp.Cast | exp.TryCast | exp.Introducer | exp.Tuple):
        if isinstance(node, exp.Introducer):
            node = node.expression
        elif isinstance(node, exp.Tuple):
            if len(node.expressions) != 1:
                return node
            node = node.expressions[0]
        else:
            node = node.this
    return node


def column_of(node: exp.Expression | None) -> str | None:
    node = unwrap(node)
    return node.name if isinstance(node, exp.Column) else None


def null_test(node: exp.Expression, negated: bool = False) -> str | None:
    """The column of `col IS NULL` (`col IS NOT NULL` when `negated`), else None. sqlglot
    spells IS NOT as Is(negate=True) in newer versions, Not(Is) in older ones."""
    node = unwrap(node)
    if not isinstance(node, exp.Is) or not isinstance(unwrap(node.expression), exp.Null):
        return None
    return column_of(node.this) if bool(node.args.get("negate")) == negated else None
