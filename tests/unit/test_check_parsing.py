"""CHECK parsing: each engine's stored spelling of the same constraint -> the same Check."""

from __future__ import annotations

import pytest

from arena.introspect.checks import (
    analyze,
    check_column,
    check_forms,
    parse_check,
    strip_check_keyword,
)
from arena.schema import Check


@pytest.fixture(autouse=True)
def _fresh_cache():
    """analyze() caches per (text, dialect): each test must exercise the analysis itself."""
    analyze.cache_clear()


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
    assert check.name == "c"
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


def test_a_parse_failure_names_no_column():
    assert check_column("((( not sql", "sqlite") is None
    assert check_column("CHECK (json_valid(doc)) NOT VALID", "postgres") == "doc"


# -- the one analyzer: every form, golden per dialect ------------------------------------

# (dialect, expression, forms as (kind, column, values, bound, inclusive, other), exact)
FORMS = [
    ("sqlite", "a IS NOT NULL", [("not_null", "a", (), None, True, None)], True),
    ("postgres", "NOT (a IS NULL)", [("not_null", "a", (), None, True, None)], True),
    ("mysql", "json_valid(`doc`)", [("json", "doc", (), None, True, None)], True),
    ("sqlite", "length(name) > 2", [("min_length", "name", (), 3, True, None)], True),
    ("sqlite", "length(name) >= 2", [("min_length", "name", (), 2, True, None)], True),
    ("mysql", "char_length(`n`) > 0", [("min_length", "n", (), 1, True, None)], True),
    ("tsql", "len([n])>=(4)", [("min_length", "n", (), 4, True, None)], True),
    ("postgres", "ends_at > starts_at", [("after", "ends_at", (), None, False, "starts_at")], True),
    ("postgres", "ends_at >= starts_at", [("after", "ends_at", (), None, True, "starts_at")], True),
    ("sqlite", "a < b", [("after", "b", (), None, False, "a")], True),
    ("sqlite", "a <= b", [("after", "b", (), None, True, "a")], True),
    ("sqlite", "a <> ''", [("not", "a", ("",), None, True, None)], True),
    ("mysql", "`a` != 3", [("not", "a", (3,), None, True, None)], True),
    ("sqlite", "a = 5", [("in", "a", (5,), None, True, None)], True),
    ("sqlite", "a = -2.5", [("in", "a", (-2.5,), None, True, None)], True),
    ("postgres", "flag IN (TRUE, FALSE)", [("in", "flag", (True, False), None, True, None)], True),
    ("sqlite", "a IN (1, 2) OR a = 3", [("in", "a", (1, 2, 3), None, True, None)], True),
    ("sqlite", "a IS NULL OR a > 5", [("low", "a", (), 5, False, None)], False),
    ("sqlite", "a >= 5 OR a IS NULL", [("low", "a", (), 5, True, None)], False),
    ("sqlite", "(a IS NULL) OR (a IN ('x'))", [("in", "a", ("x",), None, True, None)], False),
    ("sqlite", "a < 9 AND (b IS NULL OR b > 1)",
     [("high", "a", (), 9, False, None), ("low", "b", (), 1, False, None)], False),
    ("sqlite", "a > 0 AND b <= 5",
     [("low", "a", (), 0, False, None), ("high", "b", (), 5, True, None)], True),
    ("postgres", "CHECK ((x > '-2'::integer))", [("low", "x", (), -2, False, None)], True),
    ("sqlite", "x BETWEEN 1.5 AND 2", [("low", "x", (), 1.5, True, None),
                                        ("high", "x", (), 2, True, None)], True),
    ("sqlite", "2 <= x", [("low", "x", (), 2, True, None)], True),
    ("sqlite", "2 > x", [("high", "x", (), 2, False, None)], True),
    ("sqlite", "'a' <> x", [("not", "x", ("a",), None, True, None)], True),
    ("postgres", "(a,) > 1", [("low", "a", (), 1, False, None)], True),
    ("postgres", "character_length(a) > 1", [("min_length", "a", (), 2, True, None)], True),
    ("tsql", "([x]>=(0) AND [x]<(1e3))",
     [("low", "x", (), 0, True, None), ("high", "x", (), 1000.0, False, None)], True),
]  # fmt: skip


@pytest.mark.parametrize(("dialect", "expression", "forms", "exact"), FORMS)
def test_analyze_golden_forms(dialect, expression, forms, exact):
    analysis = analyze(expression, dialect)
    assert analysis.problem is None
    got = [(f.kind, f.column, f.values, f.bound, f.inclusive, f.other) for f in analysis.forms]
    assert got == forms
    assert [type(f.bound) for f in analysis.forms] == [type(f[3]) for f in forms]
    assert analysis.exact is exact


# (dialect, expression, the start of the problem)
UNSUPPORTED = [
    ("sqlite", "a = b", "arena cannot satisfy the form a = b"),
    ("sqlite", "a <> b", "arena cannot satisfy the form a <> b"),
    ("sqlite", "length(a) <> 3", "arena cannot satisfy the form LENGTH(a) <> 3"),
    ("sqlite", "length(a) > 'x'", "arena cannot satisfy the form LENGTH(a) > 'x'"),
    ("sqlite", "length(a) > 2.5", "arena cannot satisfy the form LENGTH(a) > 2.5"),
    ("sqlite", "length(a) > TRUE", "arena cannot satisfy the form LENGTH(a) > TRUE"),
    ("sqlite", "mylen(a, b) > 1", "arena cannot satisfy the form MYLEN(a, b) > 1"),
    ("sqlite", "a IS NULL", "arena cannot satisfy the form a IS NULL"),
    ("sqlite", "NOT a IN (b)", "arena cannot satisfy the form NOT a IN (b)"),
    ("sqlite", "a IS NULL OR b IS NULL", "arena cannot satisfy the form b IS NULL"),
    ("postgres", "a !~ 'x'", "arena cannot satisfy the form NOT REGEXP_LIKE(a"),
    ("sqlite", "a LIKE b", "arena cannot satisfy the form a LIKE b"),
    ("sqlite", "NOT (1 IS NULL)", "arena cannot satisfy the form NOT (1 IS NULL)"),
    ("sqlite", "json_valid(a, b)", "arena cannot satisfy the form JSON_VALID(a, b)"),
    ("sqlite", "json_valid(1)", "arena cannot satisfy the form JSON_VALID(1)"),
    ("sqlite", "upper(a) = 'X'", "arena cannot satisfy the form UPPER(a) = 'X'"),
    ("sqlite", "x > y + 1", "arena cannot satisfy the form x > y + 1"),
    ("sqlite", "x > 'abc'", "arena cannot satisfy the form x > 'abc'"),
    ("sqlite", "x > TRUE", "arena cannot satisfy the form x > TRUE"),
    ("sqlite", "a = NULL", "arena cannot satisfy the form a = NULL"),
    ("sqlite", "a = -'x'", "arena cannot satisfy the form a = -'x'"),
    ("sqlite", "a = -TRUE", "arena cannot satisfy the form a = -TRUE"),
    ("sqlite", "a IN (b)", "arena cannot satisfy the form a IN (b)"),
    ("sqlite", "a + 1 IN (2)", "arena cannot satisfy the form a + 1 IN (2)"),
    ("sqlite", "x BETWEEN y AND 3", "arena cannot satisfy the form x BETWEEN y AND 3"),
    ("sqlite", "x BETWEEN 1 AND 'z'", "arena cannot satisfy the form x BETWEEN 1 AND 'z'"),
    ("sqlite", "1 BETWEEN 0 AND 3", "arena cannot satisfy the form 1 BETWEEN 0 AND 3"),
    ("sqlite", "1 = 1", "arena cannot satisfy the form 1 = 1"),
    ("postgres", "a = ANY (ARRAY[b])", "arena cannot satisfy the form a = ANY(ARRAY(b))"),
    ("postgres", "a = ANY (ARRAY[])", "arena cannot satisfy the form a = ANY(ARRAY())"),
    ("postgres", "a > ANY (ARRAY[1])", "arena cannot satisfy the form a > ANY(ARRAY(1))"),
    ("postgres", "a = ANY (b)", "arena cannot satisfy the form a = ANY(b)"),
    ("postgres", "1 + a = ANY (ARRAY[1])", "arena cannot satisfy the form 1 + a = ANY"),
    ("sqlite", "(a > 0) OR (b > 0)", "arena cannot satisfy the form (a > 0) OR (b > 0)"),
    ("sqlite", "a IN (1) OR b IN (2)", "arena cannot satisfy the form a IN (1) OR b IN (2)"),
    ("sqlite", "a > 0 OR a < -5", "arena cannot satisfy the form a > 0 OR a < -5"),
    ("sqlite", "a IN (1) OR (a = 2 AND b = 3)", "arena cannot satisfy the form a IN (1) OR"),
    ("sqlite", "(a = 2 AND b = 3) OR a IN (1)", "arena cannot satisfy the form (a = 2 AND"),
    ("sqlite", "a IN (1) OR a > 3", "arena cannot satisfy the form a IN (1) OR a > 3"),
    ("sqlite", "a > 3 OR a IN (1)", "arena cannot satisfy the form a > 3 OR a IN (1)"),
    ("sqlite", "x > 1e", "a number in it is not decimal"),
    ("sqlite", "myfunc(a)", "arena cannot satisfy the form MYFUNC(a)"),
    ("sqlite", "upper(a) > 2", "arena cannot satisfy the form UPPER(a) > 2"),
    ("sqlite", "NOT (a = NULL)", "arena cannot satisfy the form NOT (a = NULL)"),
    ("postgres", "(a, b) > (1, 2)", "arena cannot satisfy the form (a, b) > (1, 2)"),
    ("postgres", "a = ANY (('x', 'y'))", "arena cannot satisfy the form a = ANY(('x', 'y'))"),
    ("sqlite", "this is not sql (((", "its expression does not parse"),
]  # fmt: skip


@pytest.mark.parametrize(("dialect", "expression", "problem"), UNSUPPORTED)
def test_analyze_names_what_it_cannot_satisfy(dialect, expression, problem):
    analysis = analyze(expression, dialect)
    assert analysis.forms == ()
    assert analysis.problem is not None and analysis.problem.startswith(problem)


def test_a_long_form_is_cut_in_the_problem():
    analysis = analyze("x > " + " + ".join(f"c{i}" for i in range(40)), "sqlite")
    assert analysis.problem == "arena cannot satisfy the form " + analysis_text(80)


def analysis_text(n: int) -> str:
    return ("x > " + " + ".join(f"c{i}" for i in range(40)))[:n]


def test_analyze_lists_every_column_it_mentions():
    assert analyze("a > b AND c IN (1)", "sqlite").columns == {"a", "b", "c"}
    assert analyze("upper(a) = b", "sqlite").columns == {"a", "b"}
    assert analyze("(((", "sqlite").columns == frozenset()


def test_check_forms_prefers_the_structured_fields():
    check = Check("c", "not sql at all (((", column="q", allowed=(1, 2), low=0, high=9,
                  low_inclusive=False, high_inclusive=True)  # fmt: skip
    analysis = check_forms(check, "sqlite")
    got = [(f.kind, f.column, f.values, f.bound, f.inclusive) for f in analysis.forms]
    assert got == [("in", "q", (1, 2), None, True), ("low", "q", (), 0, False),
                   ("high", "q", (), 9, True)]  # fmt: skip
    assert analysis.exact and analysis.problem is None and analysis.columns == {"q"}
    high_only = check_forms(Check("c", "", column="q", high=3, high_inclusive=False), "x")
    assert [(f.kind, f.bound, f.inclusive) for f in high_only.forms] == [("high", 3, False)]
    low_only = check_forms(Check("c", "", column="q", low=3), "x")
    assert [(f.kind, f.bound, f.inclusive) for f in low_only.forms] == [("low", 3, True)]


def test_check_forms_analyzes_the_text_in_the_given_dialect():
    check = Check("c", "`a` > 0")  # a column only in MySQL's quoting
    assert [f.column for f in check_forms(check, "mysql").forms] == ["a"]
    named = Check("c", "a > 0", column="a")  # a column but no structure: the text decides
    assert [f.kind for f in check_forms(named, "sqlite").forms] == ["low"]


@pytest.mark.parametrize(
    ("expression", "low", "low_inc", "high", "high_inc"),
    [
        ("x >= 5 AND x > 5", 5, False, None, True),
        ("x > 5 AND x >= 5", 5, False, None, True),
        ("x > 5 AND x >= 6", 6, True, None, True),
        ("x >= 6 AND x > 5", 6, True, None, True),
        ("x <= 5 AND x < 5", None, True, 5, False),
        ("x < 5 AND x <= 5", None, True, 5, False),
        ("x < 5 AND x <= 4", None, True, 4, True),
        ("x <= 4 AND x < 5", None, True, 4, True),
    ],
)
def test_the_tightest_bound_wins_and_exclusive_on_a_tie(expression, low, low_inc, high, high_inc):
    check = parse_check("c", expression, "sqlite")
    assert (check.low, check.low_inclusive) == (low, low_inc)
    assert (check.high, check.high_inclusive) == (high, high_inc)
    assert isinstance(check.low, float | None) and isinstance(check.high, float | None)


@pytest.mark.parametrize(
    "expression",
    [
        "x IN (1, 2) AND x > 0",  # a list and a range: no one structured form
        "x IN (1, 2) AND x IN (2)",
        "x = 1 AND y = 2",
        "x IS NULL OR x IN (1, 2)",  # relaxed: the structure would claim more than the CHECK
        "x IS NOT NULL",
        "x <> 3",
        "length(x) > 1",
    ],
)
def test_only_one_list_or_one_range_on_one_column_is_structured(expression):
    check = parse_check("c", expression, "sqlite")
    assert check.column is None and check.allowed is None and check.low is None
    assert check.expression == expression


def test_the_check_keyword_and_not_valid_are_stripped_in_any_case():
    assert strip_check_keyword("  check (x > 1) not valid ") == "(x > 1)"
    assert strip_check_keyword("CHECK (x > 1)") == "(x > 1)"
    assert strip_check_keyword("(x > 1) NOT VALID") == "(x > 1)"
    assert strip_check_keyword("x > 1") == "x > 1"
    assert strip_check_keyword("CHECK(x>1)") == "(x>1)"
    assert parse_check("c", "check (x > 1) not valid", "postgres").low == 1


def test_a_column_named_like_the_keyword_is_not_stripped():
    """check_out > check_in lost its first five letters (read as the CHECK keyword)."""
    from arena.introspect.checks import strip_check_keyword

    assert strip_check_keyword("check_out > check_in") == "check_out > check_in"
    assert strip_check_keyword("CHECK (a > 0) NOT VALID") == "(a > 0)"
    assert analyze("check_out > check_in", "sqlite").forms[0].other == "check_in"
