"""Does Locust's web UI agree with arena's results? `disagreements` compares the JSON the UI
polls (/stats/requests) with an engine's entry of a run's summary.json. No Locust import:
tests and benchmarks use it from unpatched processes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TOLERANCE = 0.05  # the UI and the results must agree within 5 %


CURRENT_WINDOW_S = 10  # Locust's "current" RPS: the last ~10 s


@dataclass(frozen=True, slots=True)
class Comparison:
    what: str
    shown: float  # by the UI
    measured: float  # in the run's results

    @property
    def off_by(self) -> float:
        """Relative difference (0.02 = 2 %); a value the results have none of must be 0."""
        if not self.measured:
            return 0.0 if not self.shown else float("inf")
        return abs(self.shown - self.measured) / abs(self.measured)

    def __str__(self) -> str:
        return f"{self.what}: UI {self.shown:,.3f} vs results {self.measured:,.3f}"


def comparisons(
    ui: dict[str, Any], summary: dict[str, Any], per_second: list[tuple[float, int]] | None = None
) -> list[Comparison]:
    """Each number the UI shows next to the run's own: requests, failures, ops/s and
    p50/p95/p99 in total and per operation; with `per_second` (the run's CSV rows as
    (elapsed s, operations + errors)), also the "current RPS" the UI shows and charts.
    `ui` is Locust's /stats/requests JSON, `summary` an engine's entry of summary.json."""
    rows = {row["name"]: row for row in ui.get("stats", [])}
    total = rows.get("Aggregated", {})
    out: list[Comparison] = []

    def check(what: str, shown: float, measured: float) -> None:
        out.append(Comparison(what, float(shown), float(measured)))

    errors_by_op: dict[str, int] = {}
    for key, n in summary.get("errors", {}).items():
        op = key.partition(": ")[0]
        errors_by_op[op] = errors_by_op.get(op, 0) + n
    ops = summary["overall"].get("count", 0)
    errors = summary.get("error_count", 0)
    attempts = ops + errors
    check("total requests", total.get("num_requests", 0), attempts)
    check("total failures", total.get("num_failures", 0), errors)
    ok_share = ops / attempts if attempts else 1.0
    shown_rps = ui.get("total_rps", total.get("total_rps", 0))
    check("ops/s", shown_rps * ok_share, summary["throughput_per_s"])
    _percentiles(check, "overall", total, summary["overall"])
    if per_second:
        check(
            "current RPS", ui.get("current_rps", total.get("current_rps", 0)), _current(per_second)
        )
    for op, measured in summary.get("operations", {}).items():
        row = rows.get(op, {})
        shown_ops = row.get("num_requests", 0) - row.get("num_failures", 0)
        check(f"{op} operations", shown_ops, measured["count"])
        check(f"{op} failures", row.get("num_failures", 0), errors_by_op.get(op, 0))
        _percentiles(check, op, row, measured)
    for op, n in errors_by_op.items():
        if op not in summary.get("operations", {}):
            check(f"{op} failures", rows.get(op, {}).get("num_failures", 0), n)
    return out


def disagreements(
    ui: dict[str, Any],
    summary: dict[str, Any],
    per_second: list[tuple[float, int]] | None = None,
    tolerance: float = TOLERANCE,
) -> list[str]:
    """The comparisons off by more than `tolerance`, as lines; empty when the UI agrees."""
    if not any(row.get("name") == "Aggregated" for row in ui.get("stats", [])):
        return ["the UI shows no Aggregated row"]
    return [str(c) for c in comparisons(ui, summary, per_second) if c.off_by > tolerance]


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
