"""The judges of the correctness suites, fed step logs by hand. Each has a negative control:
a log in which the anomaly (or the bad outcome) happened MUST be reported as such."""

from __future__ import annotations

import sqlite3

import pymysql
import pytest
import sqlglot
from psycopg import errors as pg_errors

from arena.correctness import deadlocks, dialect, isolation
from arena.correctness.stepper import COMMIT, Run, StepResult
from arena.engines import get_engine
from arena.errors import ArenaError


def anomaly(name: str) -> isolation.AnomalyTest:
    return next(t for t in isolation.TESTS if t.name == name)


def ok(session: int, sql: str, label: str = "", rows=None, waited=False) -> StepResult:
    return StepResult(session, sql, label, status="ok", rows=rows, waited=waited)


def failed(session: int, sql: str, kind: str) -> StepResult:
    return StepResult(session, sql, status="error", error_kind=kind, error=f"{kind} error")


def run_of(results, committed, aborted=None) -> Run:
    return Run(results, committed, aborted or {n: not c for n, c in committed.items()})


def test_dirty_read_is_observed():
    log = run_of(
        [ok(1, "UPDATE"), ok(2, "SELECT", "before", [(1, 101), (2, 20)]), ok(1, "<rollback>"),
         ok(2, "SELECT", "after", [(1, 10), (2, 20)]), ok(2, COMMIT)],
        {1: False, 2: True}, {1: False, 2: False},
    )  # fmt: skip
    assert isolation.verdict(anomaly("G1a"), log, {1: 10, 2: 20})["verdict"] == "observed"


def test_clean_read_is_prevented_by_a_safe_read():
    log = run_of(
        [ok(1, "UPDATE"), ok(2, "SELECT", "before", [(1, 10), (2, 20)]), ok(1, "<rollback>"),
         ok(2, "SELECT", "after", [(1, 10), (2, 20)]), ok(2, COMMIT)],
        {1: False, 2: True}, {1: False, 2: False},
    )  # fmt: skip
    result = isolation.verdict(anomaly("G1a"), log, {1: 10, 2: 20})
    assert result == {"verdict": "prevented", "how": "safe read"}


def test_lost_update_observed_when_both_commit():
    log = run_of(
        [ok(1, "SELECT", "t1", [(1, 10)]), ok(2, "SELECT", "t2", [(1, 10)]), ok(1, "UPDATE"),
         ok(2, "UPDATE", waited=True), ok(1, COMMIT), ok(2, COMMIT)],
        {1: True, 2: True},
    )  # fmt: skip
    assert isolation.verdict(anomaly("P4"), log, {1: 11, 2: 20})["verdict"] == "observed"


def test_lost_update_prevented_by_a_serialization_abort():
    log = run_of(
        [ok(1, "SELECT", "t1", [(1, 10)]), ok(2, "SELECT", "t2", [(1, 10)]), ok(1, "UPDATE"),
         failed(2, "UPDATE", "serialization"), ok(1, COMMIT),
         StepResult(2, COMMIT, status="skipped")],
        {1: True, 2: False},
    )  # fmt: skip
    result = isolation.verdict(anomaly("P4"), log, {1: 11, 2: 20})
    assert result == {"verdict": "prevented", "how": "abort (serialization)"}


def test_an_error_that_is_not_an_abort_is_never_prevention():
    log = run_of(
        [ok(1, "SELECT", "t1", [(1, 10)]), failed(2, "SELEC", "syntax")], {1: True, 2: False}
    )
    assert isolation.verdict(anomaly("P4"), log, {1: 10, 2: 20})["verdict"] == "error"


def test_a_step_that_never_finished_is_an_error():
    log = run_of([ok(1, "UPDATE"), StepResult(2, "UPDATE", waited=True)], {1: True, 2: False})
    assert isolation.verdict(anomaly("G0"), log, {1: 11, 2: 20})["verdict"] == "error"


def test_dirty_write_mix_is_observed():
    log = run_of([ok(1, "UPDATE"), ok(2, "UPDATE")], {1: True, 2: True})
    assert isolation.verdict(anomaly("G0"), log, {1: 12, 2: 21})["verdict"] == "observed"
    assert isolation.verdict(anomaly("G0"), log, {1: 12, 2: 22})["verdict"] == "prevented"


def test_observed_transaction_vanishing_is_seen_in_one_read():
    log = run_of(
        [ok(3, "SELECT", "r1", [(1, 11), (2, 19)]), ok(3, "SELECT", "r2", [(1, 12), (2, 19)]),
         ok(3, "SELECT", "r3", [(1, 12), (2, 18)])],
        {1: True, 2: True, 3: True},
    )  # fmt: skip
    assert isolation.verdict(anomaly("OTV"), log, {1: 12, 2: 18})["verdict"] == "observed"


def test_read_only_prevention_is_its_own_cell():
    ro = {"verdict": "prevented", "read_only": True}
    write = {"verdict": "observed", "read_only": False}
    assert isolation.cell({"G-single": ro, "G-single-write": write}) == "read-only"
    assert isolation.cell({"G-single": {**ro, "verdict": "observed"}, "w": write}) == "observed"
    assert isolation.cell({"G-single": ro, "w": {**write, "verdict": "prevented"}}) == "prevented"
    assert isolation.cell({"G-single": ro, "w": {**write, "verdict": "error"}}) == "error"


def test_actual_isolation_level():
    row = dict.fromkeys(isolation.COLUMNS, "prevented")
    assert isolation.actual_level(row) == "serializable"
    # PostgreSQL's repeatable read: write skew and phantoms observed -> snapshot isolation.
    assert isolation.actual_level({**row, "G2-item": "observed", "G2": "observed"}) == (
        "snapshot isolation"
    )
    # MySQL's repeatable read: lost update observed, read skew prevented read-only only.
    mysql_rr = {**row, "P4": "observed", "G-single": "read-only", "G2-item": "observed",
                "G2": "observed"}  # fmt: skip
    assert isolation.actual_level(mysql_rr) == "read committed"
    assert isolation.actual_level({**row, "G1a": "observed"}) == "read uncommitted"
    assert isolation.actual_level({**row, "G0": "observed"}) == "none"


def test_unknown_level_lists_what_the_engine_has():
    with pytest.raises(ArenaError) as info:
        dialect.check_level(get_engine("sqlite"), "read-committed")
    assert "SERIALIZABLE" in info.value.one_line()
    assert dialect.check_level(get_engine("postgres"), "repeatable_read") == "REPEATABLE READ"


@pytest.mark.parametrize(
    ("engine", "exc", "kind"),
    [
        ("postgres", pg_errors.DeadlockDetected(), "deadlock"),
        ("postgres", pg_errors.SerializationFailure(), "serialization"),
        ("postgres", pg_errors.LockNotAvailable(), "lock_timeout"),
        ("postgres", pg_errors.UniqueViolation(), "unique"),
        ("postgres", pg_errors.CheckViolation(), "check"),
        ("mariadb", pymysql.err.OperationalError(1213, "Deadlock found"), "deadlock"),
        ("mariadb", pymysql.err.OperationalError(1205, "Lock wait timeout"), "lock_timeout"),
        ("mariadb", pymysql.err.IntegrityError(1452, "a foreign key constraint fails"),
         "foreign_key"),
        ("mariadb", pymysql.err.OperationalError(4025, "CONSTRAINT `c` failed"), "check"),
        ("sqlite", sqlite3.IntegrityError("NOT NULL constraint failed: t.c"), "not_null"),
        ("sqlite", sqlite3.OperationalError("database is locked"), "lock_timeout"),
        ("sqlite", sqlite3.OperationalError("no such table: x"), "other"),
    ],
)  # fmt: skip
def test_error_classification(engine, exc, kind):
    assert dialect.classify(get_engine(engine), exc) == kind


def test_constraint_names_from_messages():
    mariadb = get_engine("mariadb")
    exc = pymysql.err.IntegrityError(1062, "Duplicate entry 'x' for key 'code_uq'")
    assert dialect.constraint_name(mariadb, exc) == "code_uq"
    exc = sqlite3.IntegrityError("CHECK constraint failed: qty_ck")
    assert dialect.constraint_name(get_engine("sqlite"), exc) == "qty_ck"


class TSQL(sqlglot.dialects.TSQL):
    """sqlglot's T-SQL parser lacks two of SQL Server's levels (it spells READ UNCOMMITTED
    "UNCOMITTED" and has no SNAPSHOT); add them so the check is about arena's SQL."""

    class Parser(sqlglot.dialects.TSQL.Parser):
        TRANSACTION_CHARACTERISTICS = {
            **sqlglot.dialects.TSQL.Parser.TRANSACTION_CHARACTERISTICS,
            "ISOLATION": (
                *sqlglot.dialects.TSQL.Parser.TRANSACTION_CHARACTERISTICS["ISOLATION"],
                ("LEVEL", "READ", "UNCOMMITTED"),
                ("LEVEL", "SNAPSHOT"),
            ),
        }


def test_sqlserver_isolation_sql_parses_as_tsql():
    """SQL Server is not run here: every statement arena would send it is parse-checked."""
    engine = get_engine("sqlserver")
    statements = []
    for level in dialect.levels(engine):
        statements += dialect.begin_statements(engine, level)
    for test in isolation.TESTS:
        statements += [s.sql for s in isolation.render(test, engine) if not s.sql.startswith("<")]
    fam = dialect.rules(engine)
    statements += [fam.commit, fam.rollback, dialect.rollback_to(engine, "sp")]
    statements.append(dialect.lock_timeout_statement(engine, 1.0))
    for statement in statements:
        parsed = sqlglot.parse_one(statement, read=TSQL)
        assert parsed.sql(TSQL).upper() == " ".join(statement.split()).upper()
    # sqlglot has no SAVE TRANSACTION at all: compare with the documented form instead.
    assert dialect.savepoint(engine, "sp") == "SAVE TRANSACTION sp"
    assert "SNAPSHOT" in dialect.levels(engine)


def test_sqlserver_migration_sql_parses_as_tsql():
    from arena.correctness import migrations

    engine = get_engine("sqlserver")
    names = {k: engine.quote(k) for k in ("t", "parent", "ix", "fk")}
    unchecked = []
    for change in migrations.CHANGES:
        statements, reason = dialect.migration(engine, change, names)
        assert statements and not reason
        for statement in statements:
            parsed = sqlglot.parse_one(statement, read=TSQL)
            if isinstance(parsed, sqlglot.exp.Command):  # sqlglot parses no further
                unchecked.append(statement.split("CONSTRAINT")[0])
            else:
                assert parsed.sql(TSQL).split()[0] == statement.split()[0]
    # sqlglot has no WITH [NO]CHECK for constraints; everything else is a real parse.
    assert unchecked == ["ALTER TABLE [t] WITH NOCHECK ADD ", "ALTER TABLE [t] WITH CHECK CHECK "]


# -- deadlock judge --------------------------------------------------------------------------
def cycle_log(errors: dict[int, str], waited: bool = True) -> Run:
    results = [ok(1, "UPDATE 1"), ok(2, "UPDATE 2"), ok(1, "UPDATE 2", waited=waited)]
    close = StepResult(2, "UPDATE 1", "close", status="ok", submitted=1.0, finished=1.2)
    results.append(close)
    for session, kind in errors.items():
        results.append(StepResult(session, "UPDATE", status="error", error_kind=kind,
                                  submitted=1.0, finished=2.0))  # fmt: skip
    committed = {s: s not in errors for s in (1, 2)}
    return run_of(results, committed)


def test_deadlock_with_one_victim_passes():
    verdict = deadlocks.judge_cycle(cycle_log({2: "deadlock"}), 2, {1: 101, 2: 201})
    assert verdict["ok"], verdict["problems"]
    assert verdict["victims"] == ["T2"]
    assert verdict["detection_ms"] == 1000.0


def test_deadlock_judge_flags_two_victims_and_wrong_kinds():
    assert not deadlocks.judge_cycle(cycle_log({1: "deadlock", 2: "deadlock"}), 2, {})["ok"]
    verdict = deadlocks.judge_cycle(cycle_log({2: "lock_timeout"}), 2, {1: 101, 2: 201})
    assert not verdict["ok"] and "expected deadlock" in verdict["problems"][0]


def test_deadlock_judge_flags_no_victim_on_a_row_locking_engine():
    assert not deadlocks.judge_cycle(cycle_log({}), 2, {1: 202, 2: 201})["ok"]
    # Without row locks (SQLite) writers serialised is the right outcome...
    assert deadlocks.judge_cycle(cycle_log({}), 2, {1: 202, 2: 201}, row_locks=False)["ok"]
    # ...but only when someone actually waited for its turn.
    assert not deadlocks.judge_cycle(cycle_log({}, waited=False), 2, {}, row_locks=False)["ok"]


def test_deadlock_judge_flags_victim_writes_left_behind():
    verdict = deadlocks.judge_cycle(cycle_log({2: "deadlock"}), 2, {1: 101, 2: 102})
    assert not verdict["ok"] and "still in the table" in verdict["problems"][0]


def test_lock_wait_judge_flags_a_waiter_that_never_failed():
    waited = StepResult(2, "UPDATE", "wait", status="error", error_kind="lock_timeout")
    assert deadlocks.judge_lock_wait(run_of([ok(1, "UPDATE"), waited], {1: True, 2: False}))["ok"]
    granted = ok(2, "UPDATE", "wait", waited=True)
    assert not deadlocks.judge_lock_wait(run_of([granted], {1: True, 2: True}))["ok"]
    wrong = StepResult(2, "UPDATE", "wait", status="error", error_kind="deadlock")
    assert not deadlocks.judge_lock_wait(run_of([wrong], {1: True, 2: False}))["ok"]
