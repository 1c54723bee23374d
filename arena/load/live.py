"""The live view: one row per engine (rich), refreshed every second while the load runs.

With --web, Locust's own web UI is shown instead, showing arena's numbers (arena/load/web.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table


@dataclass(frozen=True, slots=True)
class Snapshot:
    engine: str
    state: str  # "waiting", "running", "done", "died", "failed", "interrupted"
    elapsed: float = 0.0
    total: float = 0.0
    users: int = 0
    tps: float = 0.0
    target_tps: float | None = None
    p50_us: int | None = None
    p95_us: int | None = None
    p99_us: int | None = None
    errors: int = 0


def _us(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} ms" if value >= 1000 else f"{value} µs"


class LiveView:
    def __init__(self, engines: list[str], enabled: bool) -> None:
        self.rows: dict[str, Snapshot] = {e: Snapshot(e, "waiting") for e in engines}
        self.live = Live(self._render(), console=Console(stderr=False), auto_refresh=False)
        self.enabled = enabled

    def __enter__(self) -> LiveView:
        if self.enabled:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            self.live.update(self._render(), refresh=True)
            self.live.__exit__(*exc)

    def update(self, snapshot: Snapshot) -> None:
        self.rows[snapshot.engine] = snapshot
        if self.enabled:
            self.live.update(self._render(), refresh=True)

    def _render(self) -> Table:
        table = Table(title="arena load", title_justify="left")
        for header in ("engine", "state", "elapsed", "users", "TPS", "target", "p50", "p95",
                       "p99", "errors"):  # fmt: skip
            table.add_column(header, justify="left" if header in ("engine", "state") else "right")
        for s in self.rows.values():
            table.add_row(
                s.engine, s.state, f"{s.elapsed:.0f}/{s.total:.0f}s", str(s.users),
                f"{s.tps:,.0f}", f"{s.target_tps:,.0f}" if s.target_tps else "-",
                _us(s.p50_us), _us(s.p95_us), _us(s.p99_us), str(s.errors),
            )  # fmt: skip
        return table
