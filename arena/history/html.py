"""The self-contained HTML report of one load run: engines side by side, charts as inline SVG
(arena/history/charts.py), tables, ratio to the best engine per metric, recommendations.
Rendered from the run folder itself, so it works for any run, imported or not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from arena import __version__
from arena.history import charts, recorded_html
from arena.history.advice import advise, ms
from arena.history.compare import compare_metric
from arena.history.folder import CorruptRunFolder, Metric, RunData

RATIO_METRICS = (
    ("ops_per_s", "ops/s"), ("p50_us", "p50"), ("p95_us", "p95"), ("p99_us", "p99"),
    ("p99_9_us", "p99.9"), ("max_us", "max"), ("error_count", "errors"),
)  # fmt: skip


OPS_SHOWN = 20  # operations per chart; the rest are summed into "others" (throughput)


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("arena.history", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )


def _fmt(name: str, value: float) -> str:
    if name == "ops_per_s":
        return f"{value:,.0f}"
    if name == "error_count":
        return f"{value:,.0f}"
    return ms(value)


def ratio_table(data: RunData) -> list[dict[str, Any]]:
    """Per metric, each engine's value and its ratio to the best engine; 'within noise' where
    the per-second samples of the two overlap (compare.py's rule, threshold 0)."""
    by_key: dict[tuple[str, str], Metric] = {
        (m.engine, m.name): m for m in data.metrics if m.scope == "overall"
    }
    rows = []
    for name, label in RATIO_METRICS:
        present = [by_key[(e, name)] for e in data.engine_order if (e, name) in by_key]
        if not present:
            continue
        pick = max if present[0].better == "higher" else min
        best = pick(present, key=lambda m: m.value)
        cells = {}
        for m in present:
            if m.value == best.value:
                note = "best"
            elif best.value == 0:
                note = "-"
            else:
                ratio = m.value / best.value
                note = f"{ratio:.2f}x"
                if compare_metric(best, m, 0.0).verdict == "within noise":
                    note += " (within noise)"
            cells[m.engine] = {"value": _fmt(name, m.value), "note": note}
        rows.append({"metric": label, "cells": cells})
    return rows


def environment_rows(data: RunData) -> list[dict[str, Any]]:
    config = data.run.get("config") or {}
    rows = []
    for engine in data.engine_order:
        meta = (data.run.get("engines") or {}).get(engine) or {}
        rows.append({
            "engine": engine, "version": meta.get("version", ""),
            "runtime": meta.get("runtime", ""), "driver": meta.get("driver", ""),
            "status": (data.engines.get(engine) or {}).get("status") or meta.get("status", ""),
            "limits": json.dumps(meta.get("limits") or {}, sort_keys=True),
            "elapsed_s": meta.get("elapsed_s", ""), "seed": config.get("seed", ""),
        })  # fmt: skip
    return rows


def chart_set(data: RunData) -> list[dict[str, str]]:
    engines = [e for e in data.engine_order if e in data.engines]
    out = []
    tput = {e: [(r["elapsed_s"], r.get("tps", 0.0)) for r in data.series.get(e, [])]
            for e in engines}  # fmt: skip
    if any(tput.values()):
        out.append({"id": "throughput", "title": "Throughput over time",
                    "svg": charts.time_series("Throughput over time", "ops/s", tput)})  # fmt: skip
    hists = {e: data.histograms[e]["overall"] for e in engines
             if (data.histograms.get(e) or {}).get("overall")}  # fmt: skip
    if hists:
        try:
            svg = charts.latency_percentiles(hists)
        except Exception as exc:  # hdrh raises bare errors (zlib, struct, base64) on bad input
            raise CorruptRunFolder(data.path, f"a histogram does not decode: {exc}") from exc
        out.append({"id": "latency", "title": "Latency percentile distribution", "svg": svg})
    ops = sorted({op for e in engines for op in (data.engines[e].get("operations") or {})})
    if ops:

        def per_op(key: str) -> dict[str, list[float | None]]:
            return {e: [(data.engines[e].get("operations") or {}).get(op, {}).get(key)
                        for op in ops] for e in engines}  # fmt: skip

        labels, tput = charts.top_n(ops, per_op("throughput_per_s"), OPS_SHOWN, "sum")
        shown = f" (top {OPS_SHOWN} of {len(ops)})" if len(ops) > OPS_SHOWN else ""
        out.append({"id": "operations", "title": "Throughput per operation",
                    "svg": charts.hbars(f"Throughput per operation{shown}", "ops/s", labels,
                                        tput)})  # fmt: skip
        p99 = {e: [v / 1000 if v else None for v in vals] for e, vals in per_op("p99_us").items()}
        labels, p99 = charts.top_n(ops, p99, OPS_SHOWN, None)
        shown = f", the {OPS_SHOWN} slowest of {len(ops)}" if len(ops) > OPS_SHOWN else ""
        out.append({"id": "operations-p99", "title": "p99 latency per operation",
                    "svg": charts.hbars(f"p99 latency per operation (ms, log scale{shown})",
                                        "ms", labels, p99, logarithmic=True)})  # fmt: skip
    errors = {e: [(r["elapsed_s"], r.get("errors", 0.0)) for r in data.series.get(e, [])]
              for e in engines}  # fmt: skip
    if any(errors.values()):
        out.append({"id": "errors", "title": "Errors over time",
                    "svg": charts.time_series("Errors per second", "errors/s", errors)})  # fmt: skip
    return out


def render(data: RunData) -> str:
    if data.kind == "bench":
        from arena.history.bench_html import bench_context

        return (
            _env()
            .get_template("bench.html.j2")
            .render(**bench_context(data), rec=recorded_html.context(data))
        )
    if data.kind != "load":
        return render_recorded(data)
    config = data.run.get("config") or {}
    summary_rows = []
    for e in data.engine_order:
        s = data.engines.get(e) or {}
        o = s.get("overall") or {}
        summary_rows.append({
            "engine": e, "status": s.get("status", "missing"), "ops": f"{o.get('count', 0):,}",
            "tps": f"{s.get('throughput_per_s', 0):,.0f}", "p50": ms(o.get("p50_us")),
            "p99": ms(o.get("p99_us")), "p999": ms(o.get("p99_9_us")), "max": ms(o.get("max_us")),
            "errors": f"{s.get('error_count', 0):,}",
        })  # fmt: skip
    context = {
        "run_id": data.run_id,
        "status": data.status,
        "started_at": data.run.get("started_at", ""),
        "ended_at": data.run.get("ended_at", ""),
        "workload": {
            "mix": (config.get("mix") or {}).get("name", "?"),
            "model": config.get("model", "?"),
            "shape": config.get("shape", "?"),
            "users": config.get("max_users", "?"),
            "duration_s": config.get("duration_s", "?"),
            "think_time_s": config.get("think_time_s", "?"),
        },  # fmt: skip
        "engines": data.engine_order,
        "summary": summary_rows,
        "charts": [{**c, "svg": Markup(c["svg"])} for c in chart_set(data)],
        "ratios": ratio_table(data),
        "environment": environment_rows(data),
        "advice": advise(data),
        "arena_version": __version__,
        "rec": recorded_html.context(data),
    }
    return _env().get_template("report.html.j2").render(**context)


def render_recorded(data: RunData) -> str:
    """A seed or `arena run` suite: its metrics per scope side by side, its per-second
    series when it wrote them, and the recorder's sections."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for m in data.metrics:
        row = rows.setdefault((m.scope, m.name), {"scope": m.scope, "name": m.name,
                                                  "cells": {}, "values": {}})  # fmt: skip
        row["cells"][m.engine] = f"{m.value:,.3f}".rstrip("0").rstrip(".")
        row["values"][m.engine] = (m.value, m.better)
    for row in rows.values():
        values = row.pop("values")
        pick = max if next(iter(values.values()))[1] == "higher" else min
        row["best"] = pick(values, key=lambda e: values[e][0]) if len(values) > 1 else ""
    engines = data.engine_order
    tput = {e: [(r["elapsed_s"], r.get("tps", 0.0)) for r in data.series.get(e, [])]
            for e in engines}  # fmt: skip
    charts_ = []
    if any(tput.values()):
        svg = charts.time_series("Throughput over time", "ops/s", tput)
        charts_.append({"id": "throughput", "svg": Markup(svg)})
    hists = {e: h["overall"] for e, h in data.histograms.items() if (h or {}).get("overall")}
    if hists:
        try:
            svg = charts.latency_percentiles(hists)
        except Exception as exc:  # hdrh raises bare errors (zlib, struct, base64) on bad input
            raise CorruptRunFolder(data.path, f"a histogram does not decode: {exc}") from exc
        charts_.append({"id": "latency", "svg": Markup(svg)})
    return _env().get_template("run.html.j2").render(
        kind=data.kind, run_id=data.run_id, status=data.status,
        started_at=data.recording.get("started_at") or "", workload=data.workload(),
        ended_at=data.recording.get("ended_at") or "", engines=engines,
        metrics=sorted(rows.values(), key=lambda r: (r["scope"] != "overall", r["scope"],
                                                     r["name"])),
        charts=charts_, rec=recorded_html.context(data), arena_version=__version__,
    )  # fmt: skip


def write(data: RunData, out: Path) -> Path:
    text = render(data)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    return out


def render_trend(metric: str, scope: str, found: list) -> str:
    """The trends of arena/history/views.py `trends()` as a page: chart, runs, change points."""
    series = {t.engine: t.values for t in found}
    shifts = {t.engine: [c.index for c in t.changes] for t in found}
    svg = charts.trend(f"{metric} ({scope}) across runs", metric, series, shifts)
    return (
        _env()
        .get_template("trend.html.j2")
        .render(
            metric=metric, scope=scope, trends=found, svg=Markup(svg), arena_version=__version__
        )
    )
