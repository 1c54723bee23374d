"""Deadlocks, lock-wait timeouts and savepoints, live on each engine.

Two and three transactions lock rows in opposite order; the engine must pick exactly one victim,
fail it with an error arena classifies as a deadlock, and let the others commit. Detection time
is measured from the step that closes the cycle to the victim's error (PostgreSQL waits
deadlock_timeout before it looks; InnoDB looks at once). A lock-wait case sets the engine's own
timeout low and checks the waiter fails with a lock timeout; a savepoint case checks that
rolling back to a savepoint inside a failed transaction keeps the work before it.
"""

from __future__ import annotations

from typing import Any

from arena.correctness import dialect
from arena.correctness.stepper import COMMIT, Run, Step, run_script
from arena.engines.base import error_text

TABLE = "arena_deadlock"
LOCK_TIMEOUT_S = 1.0


def _update(row: int, value: int) -> str:
    return f"UPDATE {{t}} SET value = {value} WHERE id = {row}"


def cycle_steps(n: int) -> list[Step]:
    """n sessions: Ti locks row i, then Ti asks for row i+1 (the last one closes the cycle)."""
    steps = [Step(i, _update(i, 100 + i)) for i in range(1, n + 1)]
    steps += [Step(i, _update(i + 1, 200 + i)) for i in range(1, n)]
    steps.append(Step(n, _update(1, 200 + n), "close"))
    steps += [Step(i, COMMIT) for i in range(1, n + 1)]
    return steps


def judge_cycle(run: Run, sessions: int, final: dict, row_locks: bool = True) -> dict[str, Any]:
    """Exactly one victim, failed as a deadlock, every other session committed, none of the
    victim's writes left in the table. An engine without row locks (SQLite: one writer at a
    time) cannot deadlock here; for it the writers must be serialised instead: every session
    waits its turn and commits."""
    victims = sorted({r.session for r in run.results if r.status == "error"})
    kinds = sorted({r.error_kind or "" for r in run.results if r.status == "error"})
    survivors = [s for s in range(1, sessions + 1) if run.committed.get(s)]
    problems = []
    serialised = not row_locks and not victims and run.waited and len(survivors) == sessions
    if len(victims) != 1 and not serialised:
        problems.append(f"{len(victims)} victims (expected exactly 1)")
    for v in victims:
        left = {row: final.get(row) for row in (v, v % sessions + 1)}
        if left.get(v) == 100 + v or left.get(v % sessions + 1) == 200 + v:
            problems.append(f"victim T{v}'s writes are still in the table: {left}")
    if kinds and kinds != ["deadlock"]:
        problems.append(f"victim error classified as {', '.join(kinds)} (expected deadlock)")
    if len(survivors) != sessions - len(victims) or not survivors:
        problems.append(f"survivors committed: {len(survivors)} of {sessions - len(victims)}")
    close = next((r for r in run.results if r.label == "close"), None)
    errors = [r for r in run.results if r.status == "error"]
    detect_ms = None
    if close is not None and errors:
        detect_ms = round((min(r.finished for r in errors) - close.submitted) * 1000, 1)
    since_wait_ms = None
    if errors:
        first_wait = min(r.submitted for r in run.results if r.waited)
        since_wait_ms = round((min(r.finished for r in errors) - first_wait) * 1000, 1)
    return {
        "victims": [f"T{v}" for v in victims]
        or (["none: writers serialised"] if serialised else []),
        "victim_kind": ", ".join(kinds) or None,
        "victim_error": errors[0].error if errors else None,
        "survivors_committed": [f"T{s}" for s in survivors],
        "detection_ms": detect_ms,  # from the step closing the cycle
        "since_first_wait_ms": since_wait_ms,  # from the first blocked step (deadlock_timeout)
        "ok": not problems,
        "problems": problems,
    }


def judge_lock_wait(run: Run) -> dict[str, Any]:
    waiter = next((r for r in run.results if r.label == "wait"), None)
    problems = []
    if waiter is None or waiter.status != "error":
        problems.append("the waiting statement did not fail")
    elif waiter.error_kind != "lock_timeout":
        problems.append(f"classified as {waiter.error_kind} (expected lock_timeout)")
    if not run.committed.get(1):
        problems.append("the lock holder did not commit")
    return {
        "waited_ms": round(waiter.elapsed_ms, 1) if waiter else None,
        "kind": waiter.error_kind if waiter else None,
        "error": waiter.error if waiter else None,
        "ok": not problems,
        "problems": problems,
    }


def setup(engine: Any, endpoint: Any, rows: int = 3) -> None:
    table = engine.quote(TABLE)
    engine.execute(endpoint, f"DROP TABLE IF EXISTS {table}")
    engine.execute(endpoint, f"CREATE TABLE {table} (id INT PRIMARY KEY, value INT)")
    values = ", ".join(f"({i}, {i * 10})" for i in range(1, rows + 1))
    engine.execute(endpoint, f"INSERT INTO {table} (id, value) VALUES {values}")


def _render(engine: Any, steps: list[Step]) -> list[Step]:
    table = engine.quote(TABLE)
    return [Step(s.session, s.sql.replace("{t}", table), s.label) for s in steps]


def _begin(engine: Any) -> list[str]:
    return dialect.begin_statements(engine, dialect.row_lock_level(engine))


def run_cycle(engine: Any, endpoint: Any, sessions: int, step_timeout: float = 0.5) -> dict:
    setup(engine, endpoint, sessions)
    run = run_script(
        engine, endpoint, _render(engine, cycle_steps(sessions)), _begin(engine),
        step_timeout=step_timeout, lock_timeout=10.0,
    )  # fmt: skip
    final = dict(engine.execute(endpoint, f"SELECT id, value FROM {engine.quote(TABLE)}")[1])
    verdict = judge_cycle(run, sessions, final, dialect.rules(engine).row_locks)
    return {"case": f"{sessions}-way deadlock", **verdict, "run": run}


def run_lock_wait(engine: Any, endpoint: Any) -> dict:
    setup(engine, endpoint, 1)
    steps = [Step(1, _update(1, 11)), Step(2, _update(1, 12), "wait"), Step(1, COMMIT)]
    run = run_script(
        engine, endpoint, _render(engine, steps), _begin(engine),
        step_timeout=LOCK_TIMEOUT_S + 3, lock_timeout=LOCK_TIMEOUT_S,
    )  # fmt: skip
    return {"case": f"lock wait (timeout {LOCK_TIMEOUT_S:g}s)", **judge_lock_wait(run), "run": run}


def run_savepoint(engine: Any, endpoint: Any) -> dict:
    """Insert, savepoint, a failing duplicate, roll back to the savepoint, insert, commit."""
    setup(engine, endpoint, 1)
    table = engine.quote(TABLE)
    conn = engine.connect(endpoint)
    kind, message, problems = None, None, []
    try:
        cur = conn.cursor()
        for statement in _begin(engine):
            cur.execute(statement)
        cur.execute(f"INSERT INTO {table} (id, value) VALUES (10, 100)")
        cur.execute(dialect.savepoint(engine, "before_dup"))
        try:
            cur.execute(f"INSERT INTO {table} (id, value) VALUES (1, 1)")
            problems.append("the duplicate insert was accepted")
        except engine.driver_errors() as exc:
            kind, message = dialect.classify(engine, exc), error_text(exc)
        cur.execute(dialect.rollback_to(engine, "before_dup"))
        cur.execute(f"INSERT INTO {table} (id, value) VALUES (11, 110)")
        cur.execute(dialect.rules(engine).commit)
    finally:
        conn.close()
    _, rows = engine.execute(endpoint, f"SELECT id FROM {table} ORDER BY id")
    kept = [r[0] for r in rows]
    if kept != [1, 10, 11]:
        problems.append(f"rows after commit {kept} (expected [1, 10, 11])")
    if kind != "unique":
        problems.append(f"the duplicate was classified as {kind} (expected unique)")
    return {
        "case": "rollback to savepoint after an error",
        "kind": kind,
        "error": message,
        "rows_after_commit": kept,
        "ok": not problems,
        "problems": problems,
    }


def detector_setting(engine: Any, endpoint: Any) -> str:
    fam = dialect.rules(engine)
    if not fam.deadlock_setting_query:
        return ""
    _, rows = engine.execute(endpoint, fam.deadlock_setting_query)
    return f"{fam.deadlock_setting}={rows[0][0]}" if rows else fam.deadlock_setting


def run_engine(engine: Any, endpoint: Any, step_timeout: float = 0.5) -> dict[str, Any]:
    try:
        cases = [
            run_cycle(engine, endpoint, 2, step_timeout),
            run_cycle(engine, endpoint, 3, step_timeout),
            run_lock_wait(engine, endpoint),
            run_savepoint(engine, endpoint),
        ]
    finally:
        engine.execute(endpoint, f"DROP TABLE IF EXISTS {engine.quote(TABLE)}")
    for case in cases:
        run = case.pop("run", None)
        if run is not None:
            case["steps"] = [r.to_dict() for r in run.results]
    return {
        "engine": endpoint.instance,
        "detector": detector_setting(engine, endpoint),
        "cases": cases,
    }


def summary_rows(result: dict[str, Any]) -> list[list[str]]:
    rows = []
    for case in result["cases"]:
        timing = case.get("detection_ms", case.get("waited_ms"))
        since = case.get("since_first_wait_ms")
        rows.append(
            [
                result["engine"],
                case["case"],
                ", ".join(case.get("victims", [])) or "-",
                case.get("victim_kind") or case.get("kind") or "-",
                f"{timing:,.0f} ms" if timing is not None else "-",
                f"{since:,.0f} ms" if since is not None else "-",
                ", ".join(case.get("survivors_committed", [])) or "-",
                "ok" if case["ok"] else "FAIL: " + "; ".join(case["problems"]),
            ]
        )
    return rows


SUMMARY_HEADERS = [
    "engine", "case", "victim", "error kind", "after cycle/wait", "after first wait",
    "committed", "check",
]  # fmt: skip
