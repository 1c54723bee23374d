"""CHECKs made only of `col IS [NOT] NULL` tests under AND/OR/NOT/= (`a IS NOT NULL OR
b IS NOT NULL`, `(a IS NULL) = (b IS NULL)`): solved by trying which columns are set."""

from __future__ import annotations

from sqlglot import exp

from arena.introspect.sql_nodes import null_test, unwrap

MAX_COLUMNS = 8  # 2**8 assignments at most


class _Other(Exception):
    pass


def columns_to_set(node: exp.Expression) -> list[str] | None:
    """A CHECK made only of `col IS [NOT] NULL` tests under AND/OR/NOT (`a IS NOT NULL OR
    b IS NOT NULL`, `(a IS NULL) = (b IS NULL)`): the columns to keep set (never NULL) in the
    assignment that sets the most. None when the expression has other leaves, needs a NULL, or is
    a lone `col IS NULL` (the caller's relaxation)."""
    leaves: list[str] = []

    def evaluate(n: exp.Expression, present: dict[str, bool]) -> bool:
        n = unwrap(n)
        column = null_test(n)
        if column is not None:
            return not present[column]
        column = null_test(n, negated=True)
        if column is not None:
            return present[column]
        if isinstance(n, exp.Not):
            return not evaluate(n.this, present)
        if isinstance(n, exp.And):
            return evaluate(n.this, present) and evaluate(n.expression, present)
        if isinstance(n, exp.Or):
            return evaluate(n.this, present) or evaluate(n.expression, present)
        if isinstance(n, exp.EQ | exp.NEQ):
            same = evaluate(n.this, present) == evaluate(n.expression, present)
            return same if isinstance(n, exp.EQ) else not same
        raise _Other

    def collect(n: exp.Expression) -> bool:
        n = unwrap(n)
        column = null_test(n) or null_test(n, negated=True)
        if column is not None:
            leaves.append(column)
            return True
        if isinstance(n, exp.Not):
            return collect(n.this)
        if isinstance(n, exp.And | exp.Or | exp.EQ | exp.NEQ):
            return collect(n.this) and collect(n.expression)
        return False

    if not collect(node) or null_test(node) is not None or len(set(leaves)) > MAX_COLUMNS:
        return None
    columns = list(dict.fromkeys(leaves))
    # Most columns set first: all set, then one NULL, ...
    for mask in sorted(range(2 ** len(columns)), key=lambda m: -bin(m).count("1")):
        present = {c: bool(mask >> i & 1) for i, c in enumerate(columns)}
        if evaluate(node, present):
            if not all(present.values()):
                return None  # needs a column NULL: not a form arena writes
            return columns
    return None
