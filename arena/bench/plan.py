"""EXPLAIN capture and the index-usage verdict: the engine's plan for a query, read once
(EXPLAIN (FORMAT JSON) / EXPLAIN FORMAT=JSON / SHOWPLAN_XML / EXPLAIN QUERY PLAN, see each
Engine's bench hooks) and turned into "index" (read through an index) or "scan" (every row)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arena.engines.base import Engine, error_text


@dataclass(frozen=True, slots=True)
class Plan:
    verdict: str  # "index" | "scan" | "unknown" | "n/a: <why>"
    text: str


def capture(engine: Engine, conn: Any, select: str) -> Plan:
    try:
        text = engine.explain(conn, select)
    except engine.driver_errors() as exc:
        return Plan(f"n/a: EXPLAIN failed: {error_text(exc)}", "")
    return Plan(engine.plan_verdict(text), text)
