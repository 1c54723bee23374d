"""Scenario suites without a database: parsing and validation (suite.py), rendering and the
table/column check (render.py), the retry policy (retry.py), invariant results
(invariants.py) and the per-workflow breakdown (report.py)."""

from __future__ import annotations

import random

import pytest

from arena.engines import get_engine
from arena.errors import ArenaError, ErrorKind, UnknownNameError
from arena.scenarios.invariants import Check, describe, failed, tally
from arena.scenarios.render import compile_invariant, compile_workflow
from arena.scenarios.report import aborts_text, breakdown, totals
from arena.scenarios.retry import RetryPolicy, abort_kind
from arena.scenarios.suite import (
    Expect,
    SuiteError,
    is_select,
    load_suite,
    parse_expect,
    parse_suite,
    shipped_names,
    suite_from_dict,
)
from arena.schema import Column, Schema, Table


def suite(**workflow) -> dict:
    base = {"steps": ["SELECT id FROM t WHERE id = :k"], "params": {"k": {"key": "t"}}}
    return {"workflows": {"w": {**base, **workflow}}}


SCHEMA = Schema(
    engine="neutral",
    tables=(
        Table("t", (Column("id", "bigint", "bigint"), Column("n", "int", "int")), ("id",)),
        Table("u", (Column("id", "bigint", "bigint"), Column("t_id", "bigint", "bigint")), ("id",)),
    ),
)


# -- suite.py --------------------------------------------------------------------------
def test_the_shipped_suites_parse_and_render_for_every_engine() -> None:
    assert {"ecommerce", "finance"} <= set(shipped_names())
    for name in ("ecommerce", "finance"):
        s = load_suite(name)
        assert s.domain == name and s.invariants
        assert all(not w.unsafe for w in s.select(None))
        for engine in ("postgres", "mariadb", "sqlite"):
            for w in s.workflows:
                compiled = compile_workflow(w, get_engine(engine), None)
                assert not compiled.not_applicable, (engine, w.name)
            for inv in s.invariants:
                assert compile_invariant(inv, get_engine(engine), None).sql


def test_unsafe_workflows_run_only_when_named() -> None:
    s = load_suite("finance")
    assert "transfer_unsafe" not in [w.name for w in s.select(None)]
    assert [w.name for w in s.select(["transfer_unsafe"])] == ["transfer_unsafe"]


def test_an_unknown_suite_or_workflow_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean finance"):
        load_suite("financ")
    with pytest.raises(UnknownNameError, match="Did you mean transfer"):
        load_suite("finance").select(["transfr"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"workflows": []}, "expected a mapping with `workflows:`"),
        ({"workflows": {}}, "no workflows"),
        (suite(weight=0), "weight must be a positive number"),
        (suite(weight=True), "weight must be a positive number"),
        (suite(requires=["skip_lockd"]), "Did you mean skip_locked"),
        (suite(steps=[]), "no steps"),
        (suite(steps=["SELECT :nope"]), "unknown parameter :nope"),
        (suite(params={"k": {"key": "t", "int": [1, 2]}}), "exactly one source"),
        (suite(params={"k": {"int": [3, 1]}}), "int expects [low, high]"),
        (suite(params={"k": {"int": [1, 2], "skew": 1}}), "apply to key params only"),
        (suite(params={"k": {"key": "t", "skew": -1}}), "skew must be 0"),
        (suite(params={"k": {"choice": []}}), "non-empty list"),
        (suite(params={"k": {"unique": 5}}), "unique expects a maximum length"),
        (suite(params={"k": {"key": "t", "distinct_from": "x"}}), "distinct_from names no"),
        (suite(steps=[{"sql": "SELECT 1", "expect": "many"}]), "expect must be a row count"),
        (suite(steps=[{"sql": "SELECT 1", "bogus": 1}]), "Unknown key 'bogus'"),
        (suite(steps=[{"sql": ""}]), "`sql` must be a non-empty string"),
        ({**suite(), "invariants": {"i": "DELETE FROM t"}}, "an invariant must be a SELECT"),
        ({**suite(), "invariants": {"i": "SELECT 1; SELECT 2"}}, "an invariant must be"),
        ({**suite(), "invariantz": {}}, "Did you mean invariants"),
    ],
)
def test_bad_suites_are_one_line_errors(data, message) -> None:
    with pytest.raises(ArenaError) as err:
        parse_suite(data, "s.yaml")
    assert message in err.value.one_line()
    assert "\n" not in err.value.one_line()


def test_saved_and_returned_names_are_parameters_of_later_steps() -> None:
    steps = [
        {"sql": "SELECT n FROM t WHERE id = :k", "save": "n"},
        {"sql": "INSERT INTO u (t_id) VALUES (:n)", "returns": "new_id"},
        {"sql": "SELECT id FROM u WHERE id = :new_id", "expect": ">=1"},
    ]
    w = parse_suite(suite(steps=steps)).workflows[0]
    assert w.steps[0].save == ("n",) and w.steps[1].returns == "new_id"
    with pytest.raises(SuiteError, match=":new_id"):
        parse_suite(suite(steps=[steps[2], steps[1]]))


def test_expect_forms() -> None:
    assert parse_expect(2, "x") == Expect("=", 2)
    assert parse_expect(">=1", "x").met(3) and not parse_expect(">=1", "x").met(0)
    assert parse_expect("<=1", "x").met(0) and not parse_expect("<=1", "x").met(2)
    assert Expect("=", 0).met(0) and not Expect("=", 0).met(1)
    assert parse_expect(None, "x") is None
    assert Expect(">=", 1).describe() == ">=1" and Expect("=", 2).describe() == "2"


def test_is_select() -> None:
    assert is_select("SELECT 1")
    assert is_select("WITH x AS (SELECT 1 AS a) SELECT a FROM x")
    assert not is_select("UPDATE t SET n = 1")
    assert not is_select("WITH x AS (DELETE FROM t RETURNING id) SELECT * FROM x")
    assert not is_select("SELECT (")


# -- render.py -------------------------------------------------------------------------
def test_steps_render_per_dialect_with_the_engines_placeholders() -> None:
    steps = [{"sql": "SELECT id FROM t WHERE id = :k AND n LIKE 'a%' ORDER BY id FOR UPDATE"}]
    w = parse_suite(suite(steps=steps)).workflows[0]
    pg = compile_workflow(w, get_engine("postgres"), SCHEMA).steps[0]
    assert pg.sql.endswith("FOR UPDATE") and "= %s" in pg.sql and "'a%%'" in pg.sql
    lite = compile_workflow(w, get_engine("sqlite"), SCHEMA).steps[0]
    assert "FOR UPDATE" not in lite.sql and "= ?" in lite.sql and "'a%'" in lite.sql
    maria = compile_workflow(w, get_engine("mariadb"), SCHEMA).steps[0]
    assert "CASE" not in maria.sql  # ORDER BY stays as written (no NULL-order emulation)
    assert pg.params == lite.params == ("k",)


def test_overrides_and_not_applicable() -> None:
    steps = [{"sql": "SELECT id FROM t WHERE id = :k",
              "overrides": {"mysql": "SELECT id FROM t WHERE id = :k LIMIT 1",
                            "sqlite": "n/a: no such thing here"}}]  # fmt: skip
    w = parse_suite(suite(steps=steps)).workflows[0]
    assert compile_workflow(w, get_engine("mariadb"), SCHEMA).steps[0].sql.endswith("LIMIT 1")
    assert compile_workflow(w, get_engine("sqlite"), SCHEMA).not_applicable == "no such thing here"
    needs = parse_suite(suite(requires=["skip_locked"])).workflows[0]
    assert compile_workflow(needs, get_engine("sqlite"), SCHEMA).not_applicable == (
        "SQLite has no skip_locked"
    )
    assert not compile_workflow(needs, get_engine("postgres"), SCHEMA).not_applicable


def test_returns_uses_returning_where_the_engine_has_it() -> None:
    steps = [{"sql": "INSERT INTO u (t_id) VALUES (:k)", "returns": "new"}]
    w = parse_suite(suite(steps=steps)).workflows[0]
    assert (
        compile_workflow(w, get_engine("postgres"), SCHEMA).steps[0].sql.endswith('RETURNING "id"')
    )
    maria = compile_workflow(w, get_engine("mariadb"), SCHEMA).steps[0]
    assert maria.returning is get_engine("mariadb").capabilities.returning


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT id FROM nope WHERE id = :k", "table 'nope' does not exist"),
        ("SELECT missing FROM t WHERE id = :k", "column 'missing' does not exist in table 't'"),
        ("SELECT x.gone FROM t x WHERE x.id = :k", "column 'gone' does not exist in table 't'"),
        ("INSERT INTO u (t_id, zap) VALUES (:k, 1)", "column 'zap' does not exist in table 'u'"),
        ("UPDATE t SET nn = 1 WHERE id = :k", "column 'nn' does not exist in table 't'"),
    ],
)
def test_a_step_naming_a_missing_table_or_column_names_both(sql, message) -> None:
    w = parse_suite(suite(steps=[sql])).workflows[0]
    with pytest.raises(SuiteError, match=message):
        compile_workflow(w, get_engine("postgres"), SCHEMA)


def test_aliases_ctes_and_output_names_are_not_columns() -> None:
    ok = [
        "SELECT SUM(n) AS total FROM t WHERE id = :k HAVING SUM(n) > 0 ORDER BY total",
        "WITH c AS (SELECT id FROM t) SELECT c.id FROM c WHERE c.id = :k",
        "SELECT t.id, u.t_id FROM t JOIN u ON u.t_id = t.id WHERE t.id = :k",
    ]
    for sql in ok:
        compile_workflow(
            parse_suite(suite(steps=[sql])).workflows[0], get_engine("mariadb"), SCHEMA
        )


# -- retry.py --------------------------------------------------------------------------
def test_the_retry_policy_is_bounded_to_deadlocks_and_serialization_failures() -> None:
    policy = RetryPolicy(retries=2)
    assert policy.should_retry(ErrorKind.DEADLOCK, 1)
    assert policy.should_retry(ErrorKind.SERIALIZATION, 2)
    assert not policy.should_retry(ErrorKind.SERIALIZATION, 3)
    for kind in (ErrorKind.UNIQUE, ErrorKind.LOCK_TIMEOUT, ErrorKind.OTHER, ErrorKind.CHECK):
        assert not policy.should_retry(kind, 1)
    assert not RetryPolicy(retries=0).should_retry(ErrorKind.DEADLOCK, 1)


def test_retry_pauses_are_jittered_grow_and_are_capped() -> None:
    policy = RetryPolicy(retries=10, base_s=0.002, cap_s=0.05)
    rng = random.Random(1)
    first = [policy.pause(1, rng) for _ in range(200)]
    assert all(0.0002 <= p <= 0.002 for p in first) and len(set(first)) > 150
    third = [policy.pause(3, rng) for _ in range(200)]
    assert max(third) > max(first) and all(p <= 0.008 for p in third)
    assert all(policy.pause(20, rng) <= 0.05 for _ in range(50))
    assert min(policy.pause(20, rng) for _ in range(200)) >= 0.005


def test_abort_kinds_group_constraints() -> None:
    assert abort_kind(ErrorKind.UNIQUE) == abort_kind(ErrorKind.CHECK) == "constraint"
    assert abort_kind(ErrorKind.FOREIGN_KEY) == abort_kind(ErrorKind.NOT_NULL) == "constraint"
    assert abort_kind(ErrorKind.DEADLOCK) == "deadlock"
    assert abort_kind(ErrorKind.SERIALIZATION) == "serialization"
    assert abort_kind(ErrorKind.LOCK_TIMEOUT) == "lock_timeout"
    assert abort_kind(ErrorKind.SYNTAX) == abort_kind(ErrorKind.CONNECTION_LOST) == "other"


# -- invariants.py ---------------------------------------------------------------------
def test_an_invariant_violated_at_any_phase_fails_with_its_count_and_sample() -> None:
    checks = [
        Check("money", "before", 0),
        Check("money", "during", 2, ((1, "9.00"), (2, "1.00")), ("id", "balance")),
        Check("money", "during", 1, ((1, "9.00"),), ("id", "balance")),
        Check("money", "after", 0),
        Check("audit", "before", 0),
        Check("audit", "after", 0),
        Check("skip", "after", 0, not_applicable="no window functions"),
    ]
    results = tally(checks)
    assert failed(results) == ["money"]
    money = results["money"]
    assert money.checks == {"before": 1, "during": 2, "after": 1}
    assert money.violations == {"before": 0, "during": 2, "after": 0}
    assert money.sample == [[1, "9.00"], [2, "1.00"]] and money.columns == ["id", "balance"]
    assert describe(money) == (
        "money violated (during 2 rows), e.g. id=1, balance=9.00; id=2, balance=1.00"
    )
    assert results["audit"].ok and results["skip"].ok
    assert results["skip"].not_applicable == "no window functions"


def test_an_invariant_that_could_not_be_checked_is_not_ok() -> None:
    results = tally([Check("x", "after", 0, error="relation does not exist")])
    assert failed(results) == ["x"]
    assert describe(results["x"]) == "x: could not be checked: relation does not exist"
    assert Check("y", "after", 0).holds and not Check("y", "after", 1).holds


# -- report.py -------------------------------------------------------------------------
def test_the_breakdown_splits_commits_aborts_retries_and_rejections() -> None:
    summary = {
        "operations": {"pay": {"count": 10, "throughput_per_s": 2.5, "p99_us": 900}},
        "errors": {
            "pay: retry serialization": 3, "pay: retry deadlock": 1, "pay: rejected": 4,
            "pay: abort serialization": 2, "pay: abort constraint": 1, "pay: abort weird": 1,
            "ship: rejected": 5, "connect: lock_timeout": 9,
        },
    }  # fmt: skip
    rows = breakdown(summary, ["pay", "ship"])
    pay = rows["pay"]
    assert pay["commits"] == 10 and pay["tx_per_s"] == 2.5 and pay["p99_us"] == 900
    assert pay["retries"] == 4 and pay["retries_by_kind"] == {"serialization": 3, "deadlock": 1}
    assert pay["rejected"] == 4
    assert pay["aborts"] == {
        "deadlock": 0, "serialization": 2, "lock_timeout": 0, "constraint": 1, "other": 1,
    }  # fmt: skip
    assert rows["ship"]["commits"] == 0 and rows["ship"]["rejected"] == 5
    total = totals(rows)
    assert total["commits"] == 10 and total["retries"] == 4 and total["rejected"] == 9
    assert total["aborts"]["serialization"] == 2


# -- what the mutation run found untested ------------------------------------------------
def test_every_field_of_a_suite_is_read() -> None:
    data = {
        **suite(description="one step", weight=2.5, unsafe=True, requires=["returning"]),
        "name": "mine", "description": "a test suite", "domain": "finance",
        "sample_every": "3s", "invariants": {"i": {"sql": "SELECT 1", "description": "d"}},
    }  # fmt: skip
    s = parse_suite(data, "s.yaml")
    assert (s.name, s.description, s.domain, s.sample_every, s.source) == (
        "mine", "a test suite", "finance", 3.0, "s.yaml",
    )  # fmt: skip
    w = s.workflows[0]
    assert (w.name, w.description, w.weight, w.unsafe, w.requires) == (
        "w", "one step", 2.5, True, ("returning",),
    )  # fmt: skip
    assert s.invariants[0].name == "i" and s.invariants[0].description == "d"
    assert s.tables() == {"t"}
    assert parse_suite(suite(), "x.yaml", default_name="dflt").name == "dflt"
    assert parse_suite({**suite(), "sample_every": 5}).sample_every == 5.0
    default = parse_suite(suite())
    assert default.sample_every == 2.0 and default.description == "" and default.domain == ""
    p = default.workflows[0].params[0]
    assert (p.name, p.source, p.table, p.skew, p.distinct_from) == ("k", "key", "t", 1.0, "")


def test_params_keep_their_arguments() -> None:
    params = {
        "a": {"key": "t", "skew": 0, "distinct_from": "b"}, "b": {"key": "t"},
        "c": {"int": [1, 5]}, "d": {"decimal": [0.5, 9]}, "e": {"float": [0, 1]},
        "f": {"choice": ["x", "y"]}, "g": {"unique": 20},
    }  # fmt: skip
    got = {
        p.name: p for p in parse_suite(suite(params=params, steps=["SELECT 1"])).workflows[0].params
    }
    assert got["a"].skew == 0.0 and got["a"].distinct_from == "b"
    assert got["c"].args == (1, 5) and got["d"].args == (0.5, 9) and got["e"].args == (0, 1)
    assert got["f"].args == ("x", "y") and got["g"].args == (20,)
    assert [p.source for p in got.values()] == ["key", "key", "int", "decimal", "float", "choice",
                                                "unique"]  # fmt: skip


def test_errors_say_where_and_how_to_fix() -> None:
    cases = [
        ({"workflows": {}}, "s.yaml: no workflows. Hint: Name at least one under `workflows:`."),
        ({"workflows": 1}, "s.yaml: expected a mapping with `workflows:` (name -> workflow). "
                           "Hint: See arena/scenarios/suites/finance.yaml."),
        (suite(steps=["SELECT :x"]), "s.yaml: workflow w, step 1: unknown parameter :x. Hint: "
                                     "Known here: k. Declare it under params, or save/return it "
                                     "in an earlier step."),
        ({"workflows": {"w": {"steps": ["SELECT :x"]}}}, "Known here: none."),
        (suite(params={"k": {"key": "t", "int": [1, 2]}}),
         "s.yaml: workflow w, param k: name exactly one source of key, int, decimal, float, "
         "choice, unique. Hint: e.g. {key: accounts}"),
        ({**suite(), "invariants": {"inv": "DELETE FROM t"}},
         "s.yaml: invariant inv: an invariant must be a SELECT that returns the violating rows; "
         "got `DELETE ...`. Hint: Write it as SELECT ... WHERE <broken>; no rows means it holds."),
        (suite(weight=-1), "s.yaml: workflow w: weight must be a positive number, got -1."),
        (suite(steps=[{"sql": "SELECT 1", "overrides": ["x"]}]),
         "s.yaml: workflow w, step 1: overrides must map a family or engine name to SQL."),
        ({"workflows": {"w": {"steps": "SELECT 1"}}},
         "s.yaml: workflow w: expected a mapping with a `steps:` list."),
        (suite(steps=[3]), "s.yaml: workflow w, step 1: expected SQL text or a mapping"),
        ({**suite(), "invariants": {"i": 3}}, "s.yaml: invariant i: expected a mapping"),
    ]  # fmt: skip
    for data, expected in cases:
        with pytest.raises(ArenaError) as err:
            parse_suite(data, "s.yaml")
        assert expected in err.value.one_line(), err.value.one_line()


def test_saved_names_are_read_and_overrides_checked(tmp_path) -> None:
    steps = [{"sql": "SELECT n FROM t", "save": ["n", "m"], "returns": "r",
              "returns_column": "key", "overrides": {"sqlite": "SELECT n FROM t WHERE :k = 1"}},
             "SELECT :n, :m, :r"]  # fmt: skip
    step = parse_suite(suite(steps=steps)).workflows[0].steps[0]
    assert step.save == ("n", "m") and step.returns == "r" and step.returns_column == "key"
    assert step.overrides == {"sqlite": "SELECT n FROM t WHERE :k = 1"}
    bad = [{"sql": "SELECT 1", "overrides": {"sqlite": "SELECT :zz"}}]
    with pytest.raises(SuiteError, match=":zz"):
        parse_suite(suite(steps=bad))
    na = [{"sql": "SELECT 1", "overrides": {"sqlite": "n/a: :zz is not a param here"}}]
    parse_suite(suite(steps=na))


def test_suite_files_and_plans(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("workflows:\n  w:\n    steps: [SELECT 1]\n")
    s = load_suite(str(path))
    assert s.name == "mine" and s.source == str(path)
    again = suite_from_dict(s.to_dict())
    assert again == s and s.to_dict()["name"] == "mine"
    broken = tmp_path / "broken.yaml"
    broken.write_text("workflows:\n  w: [\n")
    with pytest.raises(SuiteError, match=rf"{broken}:3: malformed YAML"):
        load_suite(str(broken))
    with pytest.raises(SuiteError, match="Cannot read suite .*missing.yaml"):
        load_suite(str(tmp_path / "missing.yaml"))


def test_result_and_breakdown_details() -> None:
    results = tally([Check("m", "after", 1, ((1, "x"),), ("id", "v"), "")])
    doc = results["m"].to_dict()
    assert doc == {
        "ok": False, "checks": {"after": 1}, "violations": {"after": 1}, "columns": ["id", "v"],
        "sample": [[1, "x"]], "error": "", "not_applicable": "",
    }  # fmt: skip
    assert aborts_text({"deadlock": 2, "serialization": 0, "other": 1}) == "deadlock 2, other 1"
    assert aborts_text({"deadlock": 0}) == "0"
    rows = breakdown({"errors": {"w: rejected": 1, "w: abort other: with colon": 2}}, ["w"])
    assert rows["w"]["tx_per_s"] == 0.0 and rows["w"]["commits"] == 0
    assert rows["w"]["aborts"]["other"] == 2 and rows["w"]["p50_us"] is None
    twice = breakdown(
        {"errors": {"w: rejected": 1, "x: rejected": 2, "w: retry deadlock": 2,
                    "w: abort deadlock": 1}, "operations": {}},
        ["x", "w"],
    )  # fmt: skip
    assert twice["w"]["rejected"] == 1 and twice["x"]["rejected"] == 2
    assert (
        twice["w"]["retries_by_kind"] == {"deadlock": 2} and twice["w"]["aborts"]["deadlock"] == 1
    )


def test_an_internal_error_fails_the_engine_and_a_server_error_does_not():
    from arena.scenarios.report import internal_errors

    boom = "internal: AttributeError: module has no attribute 'open_session'"
    assert internal_errors({"errors": {"unique (23505)": 3, boom: 8}}) == (boom, 8)
    assert internal_errors({"errors": {"unique (23505)": 3, "deadlock (40P01)": 1}}) is None
    assert internal_errors({"errors": {boom: 0}}) is None
    assert internal_errors(None) is None
