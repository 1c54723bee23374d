"""Does Locust's web UI agree with arena's results? `disagreements` compares the JSON the UI
polls (/stats/requests) with an engine's entry of a run's summary.json. No Locust import:
tests and benchmarks use it from unpatched processes."""

from __future__ import annotations

from typing import Any

TOLERANCE = 0.05  # the UI and the results must agree within 5 %


def _off(shown: float, measured: float, tolerance: float) -> bool:
    if not measured:
        return abs(shown) > 0
    return abs(shown - measured) > tolerance * abs(measured)


CURRENT_WINDOW_S = 10  # Locust's "current" RPS: the last ~10 s


def disagreements(
    ui: dict[str, Any],
    summary: dict[str, Any],
    per_second: list[tuple[float, int]] | None = None,
    tolerance: float = TOLERANCE,
) -> list[str]:
    """Where Locust's /stats/requests JSON (`ui`) and an engine's entry of summary.json differ
    by more than `tolerance`: requests, failures, ops/s and p50/p95/p99 in total and per
    operation; with `per_second` (the run's CSV rows as (elapsed s, operations + errors)),
    also the "current RPS" the UI shows and charts. Empty when they agree."""
    rows = {row["name"]: row for row in ui.get("stats", [])}
    total = rows.get("Aggregated")
    if total is None:
        return ["the UI shows no Aggregated row"]
    problems: list[str] = []

    def check(what: str, shown: float, measured: float) -> None:
        if _off(shown, measured, tolerance):
            problems.append(f"{what}: UI {shown:,.3f} vs results {measured:,.3f}")

    errors_by_op: dict[str, int] = {}
    for key, n in summary.get("errors", {}).items():
        op = key.partition(": ")[0]
        errors_by_op[op] = errors_by_op.get(op, 0) + n
    ops = summary["overall"].get("count", 0)
    errors = summary.get("error_count", 0)
    check("total requests", total["num_requests"], ops + errors)
    check("total failures", total["num_failures"], errors)
    attempts = ops + errors
    ok_share = ops / attempts if attempts else 1.0
    check("ops/s", ui.get("total_rps", total["total_rps"]) * ok_share, summary["throughput_per_s"])
    _percentiles(check, "overall", total, summary["overall"])
    if per_second:
        check("current RPS", ui.get("current_rps", total["current_rps"]), _current(per_second))
    for op, measured in summary.get("operations", {}).items():
        row = rows.get(op)
        failures = errors_by_op.get(op, 0)
        if row is None:
            problems.append(f"{op}: not in the UI ({measured.get('count', 0):,} operations)")
            continue
        check(f"{op} operations", row["num_requests"] - row["num_failures"], measured["count"])
        check(f"{op} failures", row["num_failures"], failures)
        _percentiles(check, op, row, measured)
    for op, n in errors_by_op.items():
        if op not in summary.get("operations", {}):
            check(f"{op} failures", rows.get(op, {}).get("num_failures", 0), n)
    return problems


def _percentiles(check: Any, what: str, row: dict[str, Any], measured: dict[str, Any]) -> None:
    for key, column in (("p50_us", "median_response_time"),
                        ("p95_us", "response_time_percentile_0.95"),
                        ("p99_us", "response_time_percentile_0.99")):  # fmt: skip
        if key in measured and column in row:
            check(f"{what} {key[:-3]} ms", row[column], measured[key] / 1000)


def _current(per_second: list[tuple[float, int]]) -> float:
    """Attempts per second over the last CURRENT_WINDOW_S seconds of the run (a second with
    two rows, the regular one and the tail after the stop, counts once)."""
    seconds: dict[int, int] = {}
    for elapsed, attempts in per_second:
        key = round(elapsed)
        seconds[key] = seconds.get(key, 0) + attempts
    first, last = min(seconds), max(seconds)
    start = max(first, last - CURRENT_WINDOW_S + 1)
    return sum(n for s, n in seconds.items() if s >= start) / (last - start + 1)
