"""Invariant checks: each is a SELECT that returns the violating rows. Checked before a run
(a violation refuses to start), sampled during it on a connection of its own (outside the
measured path), and after. A violation at any point fails the engine's run.

`Check` and `tally` are pure; `check_all` runs the queries."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arena.engines.base import error_text

if TYPE_CHECKING:
    from arena.engines.base import Engine
    from arena.scenarios.render import CompiledInvariant

SAMPLE_ROWS = 5
PHASES = ("before", "during", "after")


@dataclass(frozen=True, slots=True)
class Check:
    invariant: str
    phase: str  # one of PHASES
    violations: int  # rows the query returned
    sample: tuple[tuple[Any, ...], ...] = ()
    columns: tuple[str, ...] = ()
    error: str = ""  # the query failed (counts as not holding: it could not be shown)
    not_applicable: str = ""

    @property
    def holds(self) -> bool:
        return self.violations == 0 and not self.error


@dataclass
class InvariantResult:
    name: str
    checks: dict[str, int] = field(default_factory=dict)  # phase -> times checked
    violations: dict[str, int] = field(default_factory=dict)  # phase -> most rows seen
    sample: list[list[Any]] = field(default_factory=list)  # first violating rows seen
    columns: list[str] = field(default_factory=list)
    error: str = ""
    not_applicable: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not any(self.violations.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "checks": self.checks, "violations": self.violations,
            "columns": self.columns, "sample": self.sample, "error": self.error,
            "not_applicable": self.not_applicable,
        }  # fmt: skip


def tally(checks: list[Check]) -> dict[str, InvariantResult]:
    """Per invariant: how often each phase checked it, the most violating rows a check of
    that phase saw, and the first sample of violating rows."""
    out: dict[str, InvariantResult] = {}
    for c in checks:
        r = out.setdefault(c.invariant, InvariantResult(c.invariant))
        if c.not_applicable:
            r.not_applicable = c.not_applicable
            continue
        r.checks[c.phase] = r.checks.get(c.phase, 0) + 1
        r.violations[c.phase] = max(r.violations.get(c.phase, 0), c.violations)
        if c.error and not r.error:
            r.error = c.error
        if c.violations and not r.sample:
            r.sample = [list(row) for row in c.sample]
            r.columns = list(c.columns)
    return out


def failed(results: dict[str, InvariantResult]) -> list[str]:
    return [name for name, r in results.items() if not r.ok]


def describe(r: InvariantResult) -> str:
    """One line: where it broke, how many rows, a sample."""
    if r.error:
        return f"{r.name}: could not be checked: {r.error}"
    where = ", ".join(f"{p} {n} rows" for p, n in r.violations.items() if n)
    sample = "; ".join(
        ", ".join(f"{c}={v}" for c, v in zip(r.columns, row, strict=False)) for row in r.sample[:2]
    )
    return f"{r.name} violated ({where})" + (f", e.g. {sample}" if sample else "")


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def check_all(
    engine: Engine, conn: Any, invariants: list[CompiledInvariant], phase: str
) -> list[Check]:
    """Run every invariant once on `conn` (autocommit: each sees committed data)."""
    cur = conn.cursor()
    out = []
    for inv in invariants:
        if inv.not_applicable:
            out.append(Check(inv.name, phase, 0, not_applicable=inv.not_applicable))
            continue
        try:
            cur.execute(inv.sql, ())
            rows = cur.fetchall()
            columns = tuple(d[0] for d in cur.description or ())
        except engine.driver_errors() as exc:
            out.append(Check(inv.name, phase, 0, error=error_text(exc)))
            continue
        sample = tuple(tuple(_plain(v) for v in row) for row in rows[:SAMPLE_ROWS])
        out.append(Check(inv.name, phase, len(rows), sample, columns))
    return out
