"""The isolation-anomaly matrix: Hermitage's tests (github.com/ept/hermitage), run live.

Each test is data: a two- or three-session interleaving over a two-row table
(id 1 -> 10, id 2 -> 20) and a judge that says, from the step log and the final table, whether
the anomaly happened. The stepper (stepper.py) records blocking steps as "waits" and carries on
as the interleaving says, so a locking engine and an MVCC engine are judged by the same script.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arena.correctness import dialect
from arena.correctness.stepper import COMMIT as C
from arena.correctness.stepper import ROLLBACK as R
from arena.correctness.stepper import Run, Step, run_script

TABLE = "arena_hermitage"
ALL = "SELECT id, value FROM {t} ORDER BY id"


def _read(where: str) -> str:
    return f"SELECT id, value FROM {{t}} WHERE {where} ORDER BY id"


@dataclass(frozen=True)
class AnomalyTest:
    name: str
    title: str
    column: str  # the matrix column it decides (variants share one)
    steps: tuple[Step, ...]
    # (run, final table as id -> value) -> True when the anomaly was observed
    observed: Callable[[Run, dict], bool]
    read_only: bool = True  # False for the write-predicate variant of a column


def _got(run: Run, label: str) -> dict:
    return run.read(label) or {}


def _both(run: Run) -> bool:
    return run.committed.get(1, False) and run.committed.get(2, False)


def _mixed(snapshot: dict) -> bool:
    """A read of OTV's table that shows half of one writer's transaction."""
    return bool(snapshot) and (snapshot.get(1), snapshot.get(2)) not in (
        (10, 20),
        (11, 19),
        (12, 18),
    )


S = Step
TESTS: tuple[AnomalyTest, ...] = (
    AnomalyTest(
        "G0", "write cycles (dirty writes)", "G0",
        (S(1, "UPDATE {t} SET value = 11 WHERE id = 1"),
         S(2, "UPDATE {t} SET value = 12 WHERE id = 1"),
         S(1, "UPDATE {t} SET value = 21 WHERE id = 2"), S(1, C),
         S(2, "UPDATE {t} SET value = 22 WHERE id = 2"), S(2, C)),
        lambda run, final: (final.get(1), final.get(2)) in ((12, 21), (11, 22)),
    ),
    AnomalyTest(
        "G1a", "aborted reads", "G1a",
        (S(1, "UPDATE {t} SET value = 101 WHERE id = 1"), S(2, ALL, "before"), S(1, R),
         S(2, ALL, "after"), S(2, C)),
        lambda run, final: 101 in (_got(run, "before").get(1), _got(run, "after").get(1)),
    ),
    AnomalyTest(
        "G1b", "intermediate reads", "G1b",
        (S(1, "UPDATE {t} SET value = 101 WHERE id = 1"), S(2, ALL, "before"),
         S(1, "UPDATE {t} SET value = 11 WHERE id = 1"), S(1, C), S(2, ALL, "after"),
         S(2, C)),
        lambda run, final: 101 in (_got(run, "before").get(1), _got(run, "after").get(1)),
    ),
    AnomalyTest(
        "G1c", "circular information flow", "G1c",
        (S(1, "UPDATE {t} SET value = 11 WHERE id = 1"),
         S(2, "UPDATE {t} SET value = 22 WHERE id = 2"), S(1, _read("id = 2"), "t1"),
         S(2, _read("id = 1"), "t2"), S(1, C), S(2, C)),
        lambda run, final: _got(run, "t1").get(2) == 22 and _got(run, "t2").get(1) == 11,
    ),
    AnomalyTest(
        "OTV", "observed transaction vanishes", "OTV",
        (S(1, "UPDATE {t} SET value = 11 WHERE id = 1"),
         S(1, "UPDATE {t} SET value = 19 WHERE id = 2"),
         S(2, "UPDATE {t} SET value = 12 WHERE id = 1"), S(1, C), S(3, ALL, "r1"),
         S(2, "UPDATE {t} SET value = 18 WHERE id = 2"), S(3, ALL, "r2"), S(2, C),
         S(3, ALL, "r3"), S(3, C)),
        lambda run, final: any(_mixed(_got(run, r)) for r in ("r1", "r2", "r3")),
    ),
    AnomalyTest(
        "PMP", "predicate-many-preceders", "PMP",
        (S(1, _read("value = 30"), "first"), S(2, "INSERT INTO {t} (id, value) VALUES (3, 30)"),
         S(2, C), S(1, _read("value % 3 = 0"), "second"), S(1, C)),
        lambda run, final: 3 in _got(run, "second"),
    ),
    AnomalyTest(
        "PMP-write", "predicate-many-preceders, write predicate", "PMP",
        (S(1, "UPDATE {t} SET value = value + 10"), S(2, "DELETE FROM {t} WHERE value = 20"),
         S(1, C), S(2, _read("value = 20"), "after"), S(2, C)),
        lambda run, final: bool(_got(run, "after")),
        read_only=False,
    ),
    AnomalyTest(
        "P4", "lost update", "P4",
        (S(1, _read("id = 1"), "t1"), S(2, _read("id = 1"), "t2"),
         S(1, "UPDATE {t} SET value = 11 WHERE id = 1"),
         S(2, "UPDATE {t} SET value = 11 WHERE id = 1"), S(1, C), S(2, C)),
        lambda run, final: _both(run),
    ),
    AnomalyTest(
        "G-single", "single anti-dependency cycle (read skew)", "G-single",
        (S(1, _read("id = 1"), "first"), S(2, _read("id = 1")), S(2, _read("id = 2")),
         S(2, "UPDATE {t} SET value = 12 WHERE id = 1"),
         S(2, "UPDATE {t} SET value = 18 WHERE id = 2"), S(2, C),
         S(1, _read("id = 2"), "second"), S(1, C)),
        lambda run, final: _got(run, "first").get(1) == 10 and _got(run, "second").get(2) == 18,
    ),
    AnomalyTest(
        "G-single-write", "read skew, write predicate", "G-single",
        (S(1, _read("id = 1"), "first"), S(2, ALL), S(2, "UPDATE {t} SET value = 12 WHERE id = 1"),
         S(2, "UPDATE {t} SET value = 18 WHERE id = 2"), S(1, "DELETE FROM {t} WHERE value = 20"),
         S(2, C), S(1, ALL), S(1, C)),
        lambda run, final: _both(run) and _got(run, "first").get(1) == 10,
        read_only=False,
    ),
    AnomalyTest(
        "G2-item", "item anti-dependency cycles (write skew)", "G2-item",
        (S(1, _read("id IN (1, 2)")), S(2, _read("id IN (1, 2)")),
         S(1, "UPDATE {t} SET value = 11 WHERE id = 1"),
         S(2, "UPDATE {t} SET value = 21 WHERE id = 2"), S(1, C), S(2, C)),
        lambda run, final: _both(run),
    ),
    AnomalyTest(
        "G2", "anti-dependency cycles (phantoms)", "G2",
        (S(1, _read("value % 3 = 0")), S(2, _read("value % 3 = 0")),
         S(1, "INSERT INTO {t} (id, value) VALUES (3, 30)"),
         S(2, "INSERT INTO {t} (id, value) VALUES (4, 42)"), S(1, C), S(2, C)),
        lambda run, final: _both(run),
    ),
)  # fmt: skip
COLUMNS = ("G0", "G1a", "G1b", "G1c", "OTV", "PMP", "P4", "G-single", "G2-item", "G2")

# Which anomalies a standard level must prevent (Adya's PL levels as Hermitage reads them),
# strongest first: the first one a measured row satisfies is its "actual isolation level".
# Repeatable read and snapshot isolation are incomparable; both are tried before RC.
LEVEL_REQUIREMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("serializable", COLUMNS),
    ("repeatable read", ("G0", "G1a", "G1b", "G1c", "OTV", "P4", "G-single", "G2-item")),
    ("snapshot isolation", ("G0", "G1a", "G1b", "G1c", "OTV", "PMP", "P4", "G-single")),
    ("read committed", ("G0", "G1a", "G1b", "G1c")),
    ("read uncommitted", ("G0",)),
)
# Errors an engine raises to protect isolation; any other error makes a test "error".
ABORT = dialect.ABORT_KINDS
SYMBOLS = {"prevented": "✓", "observed": "—", "read-only": "R/O", "error": "error"}


def render(test: AnomalyTest, engine: Any) -> list[Step]:
    table = engine.quote(TABLE)
    return [Step(s.session, s.sql.replace("{t}", table), s.label) for s in test.steps]


def verdict(test: AnomalyTest, run: Run, final: dict) -> dict[str, str]:
    """prevented (how) / observed / error for one test's step log. An error the engine did not
    raise to protect isolation (syntax, constraint, a step that never finished) is "error",
    never counted as prevention."""
    for r in run.results:
        if r.status == "pending" or (r.status == "error" and r.error_kind not in ABORT):
            return {"verdict": "error", "how": f"T{r.session}: {r.error or 'never finished'}"}
    if test.observed(run, final):
        return {"verdict": "observed", "how": ""}
    if any(run.aborted.values()):
        kinds = sorted({r.error_kind for r in run.errors if r.error_kind})
        return {"verdict": "prevented", "how": "abort (" + ", ".join(kinds) + ")"}
    if run.waited:
        return {"verdict": "prevented", "how": "blocking"}
    return {"verdict": "prevented", "how": "safe read"}


def cell(verdicts: dict[str, dict]) -> str:
    """One matrix column from its tests: a read-only variant prevented while the
    write-predicate variant is observed is "read-only" (Hermitage's R/O)."""
    values = [(v["read_only"], v["verdict"]) for v in verdicts.values()]
    if any(verdict == "error" for _, verdict in values):
        return "error"
    read_only = [v for ro, v in values if ro]
    writing = [v for ro, v in values if not ro]
    if "observed" in read_only:
        return "observed"
    if "observed" in writing:
        return "read-only"
    return "prevented"


def actual_level(row: dict[str, str]) -> str:
    if any(col not in row for col in COLUMNS):
        return "- (not every anomaly tested)"
    for name, required in LEVEL_REQUIREMENTS:
        if all(row.get(col) == "prevented" for col in required):
            return name
    return "none"


def setup_table(engine: Any, endpoint: Any) -> None:
    table = engine.quote(TABLE)
    engine.execute(endpoint, f"DROP TABLE IF EXISTS {table}")
    engine.execute(endpoint, f"CREATE TABLE {table} (id INT PRIMARY KEY, value INT)")
    engine.execute(endpoint, f"INSERT INTO {table} (id, value) VALUES (1, 10), (2, 20)")


def final_state(engine: Any, endpoint: Any) -> dict:
    _, rows = engine.execute(endpoint, ALL.replace("{t}", engine.quote(TABLE)))
    return dict(rows)


def run_test(
    engine: Any, endpoint: Any, level: str, test: AnomalyTest, step_timeout: float = 0.5
) -> dict[str, Any]:
    setup_table(engine, endpoint)
    begin = dialect.begin_statements(engine, level)
    run = run_script(engine, endpoint, render(test, engine), begin, step_timeout=step_timeout)
    final = final_state(engine, endpoint)
    return {
        "test": test.name,
        "title": test.title,
        "column": test.column,
        "read_only": test.read_only,
        **verdict(test, run, final),
        "final": {str(k): v for k, v in sorted(final.items())},
        "steps": [r.to_dict() for r in run.results],
    }


def run_engine(
    engine: Any,
    endpoint: Any,
    levels: list[str] | None = None,
    tests: list[str] | None = None,
    step_timeout: float = 0.5,
) -> dict[str, Any]:
    """Every chosen test at every chosen level on one engine: the matrix and the evidence."""
    chosen_levels = [dialect.check_level(engine, lv) for lv in levels] if levels else None
    chosen_levels = chosen_levels or list(dialect.levels(engine))
    chosen_tests = [t for t in TESTS if not tests or t.name in tests]
    rows = []
    try:
        for level in chosen_levels:
            results = [run_test(engine, endpoint, level, t, step_timeout) for t in chosen_tests]
            by_column: dict[str, dict[str, dict]] = {}
            for r in results:
                by_column.setdefault(r["column"], {})[r["test"]] = r
            cells = {col: cell(by_column[col]) for col in COLUMNS if col in by_column}
            rows.append(
                {"level": level, "cells": cells, "actual": actual_level(cells), "tests": results}
            )
    finally:
        engine.execute(endpoint, f"DROP TABLE IF EXISTS {engine.quote(TABLE)}")
    return {"engine": endpoint.instance, "rows": rows}


def matrix_rows(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of one engine's matrix, for console.table."""
    columns = [c for c in COLUMNS if any(c in row["cells"] for row in result["rows"])]
    headers = ["level", *columns, "actual isolation level"]
    rows = [
        [row["level"].lower(), *(SYMBOLS[row["cells"][c]] for c in columns), row["actual"]]
        for row in result["rows"]
    ]
    return headers, rows


__all__ = [
    "COLUMNS",
    "LEVEL_REQUIREMENTS",
    "TESTS",
    "AnomalyTest",
    "actual_level",
    "cell",
    "matrix_rows",
    "run_engine",
    "run_test",
    "verdict",
]
