"""What every HTML report shows from the recorder's files, whatever the kind of run: the
client-bound banner, CPU/RSS and the load generator's CPU over time, the environment with the
server settings, and the run's attachments (invariants, isolation matrix, any other result
rendered generically from its JSON)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from arena.history import charts
from arena.history.folder import RunData
from arena.history.resources import CLIENT_CPU_PCT, CLIENT_SHARE


def _mb(value: Any) -> str:
    return "-" if value is None else f"{float(value) / 2**20:,.0f} MB"


def _num(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{float(value):,.1f}{unit}"


def resource_charts(data: RunData) -> list[dict[str, Any]]:
    rows = {e: [r for r in data.resources.get(e, []) if "db_size_bytes" not in r]
            for e in data.engine_order}  # fmt: skip
    every = [r["t"] for rs in rows.values() for r in rs]
    if not every:
        return []
    t0 = min(every)

    def series(key: str, scale: float = 1.0) -> dict[str, list[tuple[float, float]]]:
        return {e: [(round(r["t"] - t0, 1), r[key] / scale) for r in rs if r.get(key) is not None]
                for e, rs in rows.items()}  # fmt: skip

    out = []
    for key, title, unit, scale in (
        ("cpu_pct", "Server CPU over time", "% of one core", 1.0),
        ("rss_bytes", "Server RSS over time", "MB", 2**20),
        ("client_busy_pct", "Load generator busy (on a CPU or waiting for one)", "%", 1.0),
        ("client_cpu_pct", "Load generator CPU over time (busiest process)", "%", 1.0),
    ):  # fmt: skip
        found = {e: pts for e, pts in series(key, scale).items() if pts}
        if found:
            svg = charts.time_series(title, unit, found)
            out.append({"id": f"resources-{key}", "title": title, "svg": Markup(svg)})
    return out


def environment_rows(data: RunData) -> list[dict[str, Any]]:
    instances = data.recording.get("instances") or {}
    run_engines = data.run.get("engines") if isinstance(data.run.get("engines"), dict) else {}
    rows = []
    for name in data.engine_order:
        env = instances.get(name) or {}
        meta = run_engines.get(name) if isinstance(run_engines.get(name), dict) else {}
        res = env.get("resources") or {}
        rows.append({
            "engine": name,
            "version": meta.get("version") or env.get("version", ""),
            "runtime": meta.get("runtime") or env.get("runtime", ""),
            "where": env.get("image") or env.get("binary") or "",
            "limits": json.dumps(meta.get("limits") or env.get("limits") or {}, sort_keys=True),
            "settings": ", ".join(f"{k}={v}" for k, v in sorted((env.get("settings") or {}).items())),
            "driver": " ".join(x for x in (env.get("driver") or meta.get("driver", ""),
                                           env.get("driver_version", "")) if x),
            "cpu": f"{_num(res.get('server_cpu_pct_avg'), '%')} avg, "
                   f"{_num(res.get('server_cpu_pct_max'), '%')} max",
            "rss": _mb(res.get("server_rss_bytes_max")),
            "connections": _num(res.get("connections_max")),
            "db_size": f"{_mb(res.get('db_size_start_bytes'))} → {_mb(res.get('db_size_end_bytes'))}",
            "client": f"{_num(res.get('client_busy_pct_avg'), '%')} busy, "
                      f"{_num(res.get('client_cpu_pct_avg'), '%')} CPU",
            "client_bound": bool(res.get("client_bound")),
            "note": res.get("note", ""),
        })  # fmt: skip
    return rows


def client_bound(data: RunData) -> list[dict[str, Any]]:
    from arena.history.recorder import client_bound_message

    instances = data.recording.get("instances") or {}
    out = []
    for name in data.client_bound:
        res = (instances.get(name) or {}).get("resources") or {}
        # "<name>: CLIENT-BOUND: <why, with the numbers>" -> the why
        out.append({"engine": name, "text": client_bound_message(name, res).split(": ", 2)[2]})
    return out


def _isolation(results: Any) -> list[dict[str, Any]]:
    from arena.correctness import isolation

    out = []
    for result in results if isinstance(results, list) else []:
        try:
            headers, rows = isolation.matrix_rows(result)
        except Exception:  # a matrix from another arena version: shown as JSON instead
            return []
        out.append({"engine": result.get("engine", "?"), "headers": headers, "rows": rows})
    return out


def attachments(data: RunData) -> dict[str, Any]:
    attached = dict(data.recording.get("attachments") or {})
    invariants = []
    for item in attached.pop("invariants", None) or []:
        if isinstance(item, dict):
            invariants.append({
                "instance": item.get("instance") or item.get("engine", ""),
                "name": item.get("name", ""), "ok": bool(item.get("ok")),
                "detail": item.get("detail", ""),
            })  # fmt: skip
    isolation = _isolation(attached.get("isolation"))
    if isolation:
        attached.pop("isolation")
    return {
        "invariants": invariants,
        "isolation": isolation,
        "other": [
            {"key": k, "json": json.dumps(v, indent=1, sort_keys=True, default=str)[:20000]}
            for k, v in attached.items()
        ],  # fmt: skip
    }


def context(data: RunData) -> dict[str, Any]:
    return {
        "client_bound": client_bound(data),
        "client_rule": f"above {CLIENT_CPU_PCT:g}% for more than {CLIENT_SHARE:.0%} of the run",
        "resource_charts": resource_charts(data),
        "env_rows": environment_rows(data),
        "recorded": bool(data.recording),
        "argv": " ".join(data.recording.get("argv") or []),
        **attachments(data),
    }
