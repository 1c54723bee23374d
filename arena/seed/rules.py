"""CHECK constraints -> per-column rules the generators can satisfy.

The analysis itself is arena/introspect/checks.py (the one CHECK analyzer, also used by
introspection and the domain schemas); this module folds its forms into one ColumnRules per
column, moving exclusive bounds by the smallest step of the column's type.

A CHECK whose forms arena cannot satisfy is returned as `Unsatisfiable` (the loader then keeps
only rows the engine accepts), unless every column it mentions has a generator configured in
the seeds YAML (then the user's word stands).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from arena.introspect import checks as analyzer
from arena.schema import Check, Table


@dataclass
class ColumnRules:
    allowed: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    not_null: bool = False
    after: list[tuple[str, bool]] = field(default_factory=list)  # (other column, strict)
    json: bool = False
    min_length: int = 0
    excluded: list[Any] = field(default_factory=list)
    max_length: int | None = None
    patterns: list[str] = field(default_factory=list)  # Python regexes the value must match

    def tighten_low(self, value: float, inclusive: bool, step: float) -> None:
        value = value if inclusive else value + step
        self.low = value if self.low is None else max(self.low, value)

    def tighten_high(self, value: float, inclusive: bool, step: float) -> None:
        value = value if inclusive else value - step
        self.high = value if self.high is None else min(self.high, value)

    def restrict(self, values: list[Any]) -> None:
        self.allowed = values if self.allowed is None else [v for v in self.allowed if v in values]


class Unsatisfiable(Exception):
    def __init__(self, check: Check, why: str) -> None:
        super().__init__(why)
        self.check, self.why = check, why


def step_for(table: Table, column: str) -> float:
    """The smallest increment of a column's type: exclusive bounds move by one step."""
    try:
        col = table.column(column)
    except KeyError:
        return 1.0
    if col.logical == "decimal":
        return 10.0 ** -(col.scale or 0)
    if col.logical == "float":
        return 1e-4
    return 1.0


def rules_for(
    table: Table, configured: set[str], dialect: str
) -> tuple[dict[str, ColumnRules], list[str], list[Unsatisfiable]]:
    """Column rules from every CHECK of the table, its text read in sqlglot `dialect` (the
    engine's). Returns (rules, names of the checks left to the seeds YAML, the checks arena
    cannot solve: their rows are filtered by the engine, arena/seed/loaders/filtered.py)."""
    rules: dict[str, ColumnRules] = {}
    trusted: list[str] = []
    unsolved: list[Unsatisfiable] = []
    for check in table.checks:
        analysis = analyzer.check_forms(check, dialect)
        if analysis.problem is not None:
            if analysis.columns and analysis.columns <= configured:
                trusted.append(check.name)
            else:
                unsolved.append(Unsatisfiable(check, analysis.problem))
            continue
        for form in analysis.forms:
            _apply(table, form, rules)
    return rules, trusted, unsolved


def _apply(table: Table, form: analyzer.Form, rules: dict[str, ColumnRules]) -> None:
    rule = rules.setdefault(form.column, ColumnRules())
    kind = form.kind
    if kind == analyzer.IN:
        rule.restrict(list(form.values))
    elif kind == analyzer.LOW:
        rule.tighten_low(form.bound, form.inclusive, step_for(table, form.column))
    elif kind == analyzer.HIGH:
        rule.tighten_high(form.bound, form.inclusive, step_for(table, form.column))
    elif kind == analyzer.NOT_EQUAL:
        value = form.values[0]
        if isinstance(value, str) and _is_number_column(table, form.column):
            with contextlib.suppress(ValueError):  # PostgreSQL: score <> '-1'::integer
                value = int(value) if value.lstrip("-").isdigit() else float(value)
        rule.excluded.append(value)
        if form.values[0] == "":
            rule.min_length = max(rule.min_length, 1)
    elif kind == analyzer.NOT_NULL:
        rule.not_null = True
    elif kind == analyzer.JSON:
        rule.json = True
        rule.not_null = True  # SQLite's json_valid(NULL) is 0, failing the CHECK
    elif kind == analyzer.MIN_LENGTH:
        rule.min_length = max(rule.min_length, int(form.bound))
    elif kind == analyzer.MAX_LENGTH:
        bound = int(form.bound)
        rule.max_length = bound if rule.max_length is None else min(rule.max_length, bound)
    elif kind == analyzer.PATTERN:
        rule.patterns.append(form.values[0])
    else:  # AFTER: this column follows another of the same row
        rule.after.append((form.other, not form.inclusive))


def _is_number_column(table: Table, column: str) -> bool:
    try:
        return table.column(column).logical in ("smallint", "int", "bigint", "decimal", "float")
    except KeyError:
        return False
