"""The HTML report of an `arena bench` run: per category the median of each case per engine
(bars, log scale), the ratio to the fastest engine with bench's own "within noise" verdict, and
recommendations tied to the cases they come from."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import Markup

from arena import __version__
from arena.history import charts
from arena.history.advice import Advice
from arena.history.folder import CorruptRunFolder, RunData, _json

SLOW_RATIO = 2.0  # an engine this many times the fastest, beyond noise, is worth a line


def _rows(data: RunData) -> list[dict[str, Any]]:
    path = data.path / "bench.json"
    rows = _json(path, data.path) if path.exists() else []
    if not isinstance(rows, list):
        raise CorruptRunFolder(data.path, "bench.json is not a list")
    return rows


def _case(row: dict[str, Any]) -> str:
    return f"{row['case']}@{row['scale']}" if row.get("scale") else row["case"]


def bench_context(data: RunData) -> dict[str, Any]:
    engines = data.engine_order
    by_category: dict[str, dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for row in _rows(data):
        by_category[row["category"]][_case(row)][row["engine"]] = row
    categories, advice = [], []
    fastest_count: dict[str, int] = defaultdict(int)
    slow: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for category, cases in by_category.items():
        table = []
        for case, per_engine in cases.items():
            cells = {}
            for engine in engines:
                row = per_engine.get(engine)
                if row is None:
                    cells[engine] = {"value": "-", "note": ""}
                elif row.get("na") or row.get("error"):
                    cells[engine] = {"value": "n/a" if row.get("na") else "error",
                                     "note": str(row.get("na") or row.get("error"))[:80]}  # fmt: skip
                else:
                    median = (row.get("summary") or {}).get("median")
                    cmp = row.get("comparison") or {}
                    ratio = cmp.get("ratio")
                    note = "fastest" if cmp.get("fastest") else (f"{ratio:.2f}x" if ratio else "")
                    if cmp.get("within_noise") and not cmp.get("fastest"):
                        note += " (within noise)"
                    if cmp.get("fastest"):
                        fastest_count[engine] += 1
                    elif ratio and ratio >= SLOW_RATIO and not cmp.get("within_noise"):
                        slow[engine].append((ratio, f"{category}/{case}"))
                    cells[engine] = {"value": "-" if median is None else f"{median * 1000:,.3f} ms",
                                     "note": note}  # fmt: skip
            table.append({"metric": case, "cells": cells})
        labels = list(cases)
        series = {e: [((cases[c].get(e) or {}).get("summary") or {}).get("median") for c in labels]
                  for e in engines}  # fmt: skip
        series = {e: [v * 1000 if v else None for v in vals] for e, vals in series.items()}
        svg = charts.bars(f"{category}: median per case (log scale)", "ms", labels, series,
                          logarithmic=True)  # fmt: skip
        categories.append({"name": category, "rows": table, "svg": Markup(svg)})
    total = sum(len(c) for c in by_category.values())
    for engine in engines:
        advice.append(Advice(engine, f"{engine} was the fastest in {fastest_count[engine]} of "
                             f"{total} cases.", f"fastest {fastest_count[engine]}/{total}"))  # fmt: skip
        if slow[engine]:
            ratio, case = max(slow[engine])
            advice.append(Advice(engine, f"{engine} was {SLOW_RATIO:g}x or more slower than the "
                                 f"fastest, beyond noise, in {len(slow[engine])} cases; look at "
                                 f"the worst first: {case}.", f"{case} {ratio:.2f}x"))  # fmt: skip
    options = data.run.get("options") or {}
    return {
        "run_id": data.run_id, "status": data.run.get("status", "?"),
        "subject": data.run.get("subject", "?"), "engines": engines,
        "options": ", ".join(f"{k} {v}" for k, v in sorted(options.items()) if v is not None),
        "versions": {e: (data.run.get("engines") or {}).get(e, "") for e in engines},
        "counts": data.run.get("counts") or {}, "categories": categories, "advice": advice,
        "arena_version": __version__,
    }  # fmt: skip
