"""The resource samples of a run (resources.jsonl, written by arena/history/sampler.py) read
back and judged: per instance a summary, and whether its load was client-bound (the load
generator's busiest process busy above CLIENT_CPU_PCT in more than CLIENT_SHARE of the
seconds). Pure functions: no process, no server."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

CLIENT_CPU_PCT = 90.0
CLIENT_SHARE = 0.2


def client_bound(client_cpu: list[float], threshold: float = CLIENT_CPU_PCT,
                 share: float = CLIENT_SHARE) -> tuple[bool, float]:  # fmt: skip
    """(client-bound?, share of the seconds above the threshold)."""
    if not client_cpu:
        return False, 0.0
    hot = sum(1 for v in client_cpu if v > threshold) / len(client_cpu)
    return hot > share, hot


def summarize(rows: list[dict[str, Any]], start: float | None = None,
              end: float | None = None) -> dict[str, Any]:  # fmt: skip
    """One instance's samples (optionally within [start, end]) -> the numbers a report shows."""
    per_second = [r for r in rows if "cpu_pct" in r or "client_cpu_pct" in r]
    if start is not None:
        stop = float("inf") if end is None else end
        per_second = [r for r in per_second if start <= r["t"] <= stop]
    sizes = {r["at"]: r["db_size_bytes"] for r in rows if r.get("db_size_bytes") is not None}
    cpu = [r["cpu_pct"] for r in per_second if r.get("cpu_pct") is not None]
    rss = [r["rss_bytes"] for r in per_second if r.get("rss_bytes") is not None]
    conns = [r["connections"] for r in per_second if r.get("connections") is not None]
    client = [r["client_cpu_pct"] for r in per_second if r.get("client_cpu_pct") is not None]
    busy = [r["client_busy_pct"] for r in per_second if r.get("client_busy_pct") is not None]
    bound, hot = client_bound(busy or client)
    return {
        "seconds": len(per_second),
        "server_cpu_pct_avg": round(sum(cpu) / len(cpu), 1) if cpu else None,
        "server_cpu_pct_max": round(max(cpu), 1) if cpu else None,
        "server_rss_bytes_max": max(rss) if rss else None,
        "connections_max": max(conns) if conns else None,
        "client_cpu_pct_avg": round(sum(client) / len(client), 1) if client else None,
        "client_busy_pct_avg": round(sum(busy) / len(busy), 1) if busy else None,
        "client_hot_share": round(hot, 3),
        "client_bound": bound,
        "db_size_start_bytes": sizes.get("start"),
        "db_size_end_bytes": sizes.get("end"),
    }


def read_samples(path: Path) -> dict[str, list[dict[str, Any]]]:
    """instance -> its sample lines (a line cut short by a crash is skipped)."""
    out: dict[str, list[dict[str, Any]]] = {}
    if not path.exists():
        return out
    for line in path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError, AttributeError, KeyError, TypeError):
            row = json.loads(line)
            out.setdefault(str(row["instance"]), []).append(row)
    return out
