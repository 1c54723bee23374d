"""CHECK parsing: each engine's stored spelling of the same constraint -> the same Check."""

from __future__ import annotations

import pytest

from arena.introspect.checks import check_column, parse_check

# (dialect, expression as the catalog returns it, column, allowed)
IN_FORMS = [
    ("postgres",
     "CHECK (((status)::text = ANY ((ARRAY['new'::character varying, "
     "'paid'::character varying])::text[])))", "status", ("new", "paid")),
    ("postgres", "CHECK ((status = ANY (ARRAY['new'::text, 'paid'::text])))", "status",
     ("new", "paid")),
    ("postgres", "CHECK ((level = ANY (ARRAY[1, 2, 3])))", "level", (1, 2, 3)),
    ("tsql", "([status]='new' OR [status]='paid')", "status", ("new", "paid")),
    ("mysql", "(`status` in (_utf8mb4'new',_utf8mb4'paid'))", "status", ("new", "paid")),
    ("mysql", "`status` in ('new','paid')", "status", ("new", "paid")),
    ("sqlite", "status IN ('new', 'paid')", "status", ("new", "paid")),
    ("sqlite", "\"odd col\" IN ('it''s', 'x')", "odd col", ("it's", "x")),
    ("sqlite", "'new' = status", "status", ("new",)),
]  # fmt: skip


@pytest.mark.parametrize(("dialect", "expression", "column", "allowed"), IN_FORMS)
def test_in_forms(dialect, expression, column, allowed):
    check = parse_check("c", expression, dialect)
    assert check.column == column
    assert check.allowed == allowed
    assert check.low is None and check.high is None
    assert "CHECK" not in check.expression.upper().split("(")[0]


# (dialect, expression, column, low, low_inclusive, high, high_inclusive)
RANGE_FORMS = [
    ("postgres", "CHECK (((rating >= 1) AND (rating <= 5)))", "rating", 1, True, 5, True),
    ("postgres", "CHECK ((price >= (0)::numeric))", "price", 0, True, None, True),
    ("postgres", "CHECK ((balance >= '-1000'::integer))", "balance", -1000, True, None, True),
    ("postgres", "CHECK ((qty > 0)) NOT VALID", "qty", 0, False, None, True),
    ("tsql", "([rating]>=(1) AND [rating]<=(5))", "rating", 1, True, 5, True),
    ("tsql", "([amount]>(0.00))", "amount", 0, False, None, True),
    ("mysql", "`rating` between 1 and 5", "rating", 1, True, 5, True),
    ("mysql", "(`amount` >= 0)", "amount", 0, True, None, True),
    ("sqlite", "0 < qty", "qty", 0, False, None, True),
    ("sqlite", "100 >= pct", "pct", None, True, 100, True),
    ("sqlite", "pct < 100.5", "pct", None, True, 100.5, False),
    ("sqlite", "x BETWEEN -5 AND 10", "x", -5, True, 10, True),
    ("sqlite", "x > 0 AND x < 100 AND x <= 50", "x", 0, False, 50, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("dialect", "expression", "column", "low", "low_inc", "high", "high_inc"), RANGE_FORMS
)
def test_range_forms(dialect, expression, column, low, low_inc, high, high_inc):
    check = parse_check("c", expression, dialect)
    assert check.column == column
    assert check.allowed is None
    assert check.low == low and check.high == high
    if low is not None:
        assert check.low_inclusive is low_inc
    if high is not None:
        assert check.high_inclusive is high_inc


@pytest.mark.parametrize(
    ("dialect", "expression"),
    [
        ("sqlite", "length(name) > 2"),
        ("sqlite", "ends_at > starts_at"),
        ("postgres", "CHECK ((a > 0) OR (b > 0))"),
        ("sqlite", "a > 0 AND b < 5"),
        ("sqlite", "status IN (SELECT x FROM y)"),
        ("sqlite", "this is not sql ((("),
    ],
)
def test_forms_arena_cannot_satisfy_keep_only_the_expression(dialect, expression):
    check = parse_check("named", expression, dialect)
    assert check.name == "named"
    assert check.column is None and check.allowed is None
    assert check.low is None and check.high is None
    assert check.expression


def test_json_valid_names_its_column():
    assert check_column("json_valid(`payload`)", "mysql") == "payload"
    assert check_column("a > b", "mysql") is None
