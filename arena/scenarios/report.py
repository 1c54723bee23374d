"""A scenario engine's load summary -> per-workflow numbers: tx/s, percentiles of the whole
transaction, commits, aborts by kind, retries, rejections. Pure (reads the summary dict the
load engine writes: "operations" per workflow, "errors" keyed "workflow: what")."""

from __future__ import annotations

from typing import Any

from arena.scenarios.retry import ABORT_KINDS, REJECTED, RETRY_PREFIX

PERCENTILE_KEYS = ("p50_us", "p95_us", "p99_us", "p99_9_us")


def breakdown(summary: dict[str, Any], workflows: list[str]) -> dict[str, dict[str, Any]]:
    """workflow -> {commits, tx_per_s, p50_us.., aborts{kind}, retries, retries_by_kind,
    rejected}."""
    out: dict[str, dict[str, Any]] = {}
    operations = summary.get("operations", {})
    for name in workflows:
        op = operations.get(name, {})
        out[name] = {
            "commits": op.get("count", 0),
            "tx_per_s": op.get("throughput_per_s", 0.0),
            **{k: op.get(k) for k in PERCENTILE_KEYS},
            "aborts": dict.fromkeys(ABORT_KINDS, 0),
            "retries": 0,
            "retries_by_kind": {},
            "rejected": 0,
        }
    for key, count in summary.get("errors", {}).items():
        name, _, what = key.partition(": ")
        row = out.get(name)
        if row is None:
            continue
        if what == REJECTED:
            row["rejected"] += count
        elif what.startswith(RETRY_PREFIX):
            kind = what.removeprefix(RETRY_PREFIX)
            row["retries"] += count
            row["retries_by_kind"][kind] = row["retries_by_kind"].get(kind, 0) + count
        elif what.startswith("abort "):
            kind = what.removeprefix("abort ")
            row["aborts"][kind if kind in ABORT_KINDS else "other"] += count
    return out


def totals(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    aborts = dict.fromkeys(ABORT_KINDS, 0)
    for row in rows.values():
        for kind, n in row["aborts"].items():
            aborts[kind] += n
    return {
        "commits": sum(r["commits"] for r in rows.values()),
        "aborts": aborts,
        "retries": sum(r["retries"] for r in rows.values()),
        "rejected": sum(r["rejected"] for r in rows.values()),
    }


def aborts_text(aborts: dict[str, int]) -> str:
    parts = [f"{kind} {n}" for kind, n in aborts.items() if n]
    return ", ".join(parts) or "0"


def internal_errors(summary: dict | None) -> tuple[str, int] | None:
    """The first error arena itself raised (not the server), with its count: a run that hit
    one measured arena, not the engine, and must not read as ok."""
    for name, count in ((summary or {}).get("errors") or {}).items():
        if name.startswith("internal:") and count:
            return name, count
    return None
