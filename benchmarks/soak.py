"""arena load's memory and throughput over a long run (issue 8's soak; not a timed test).

    python benchmarks/soak.py                      # 2 minutes (quick)
    python benchmarks/soak.py --duration 10m       # the issue's target
    python benchmarks/soak.py --project DIR        # an existing project, engines up and seeded

Starts native PostgreSQL in a temporary project, applies the ecommerce schema and seeds it,
then runs `arena load --pattern ecommerce` at full speed (closed model) and samples, every
second, the resident memory (VmRSS) of the load process and of every worker process it
started. Prints RSS at the start (median of the first 5 s after the warm-up) and at the end
(median of the last 5 s of the load), the slope of a least-squares line through the samples
in between, the drift (the larger of end - start and slope x time, over start), the peak,
and the throughput of each minute (from the run's per-second CSV).

Target: after the first 10 s, RSS of every arena process flat within 10 % and under 200 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from arena import lifecycle
from arena.state import ProjectState
from arena.units import parse_duration

WARMUP_S = 10
END_S = 3
FLAT_WITHIN = 0.10
LIMIT_MB = 200


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _series_file(root: Path, engine: str, after: float) -> Path | None:
    results = root / ".arena" / "results"
    if not results.is_dir():
        return None
    runs = [p for p in results.iterdir() if p.stat().st_mtime >= after - 1]
    found = [p / f"{engine}.csv" for p in runs if (p / f"{engine}.csv").exists()]
    return found[0] if found else None


def _rows(path: Path | None) -> int:
    if path is None:
        return 0
    with path.open() as f:
        return max(0, sum(1 for _ in f) - 1)


def run(cmd: list[str], root: Path) -> None:
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True,
                         env={**os.environ, "ARENA_PROJECT_DIR": str(root)})  # fmt: skip
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def soak(root: Path, args) -> dict:
    duration = parse_duration(args.duration)
    cmd = [sys.executable, "-m", "arena", "load", "--engines", args.engine, "--pattern",
           args.pattern, "--users", str(args.users), "--duration", f"{duration:g}s", "--json",
           "--workers", str(args.workers)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "ARENA_PROJECT_DIR": str(root)})  # fmt: skip
    began = time.time()
    csv_path: Path | None = None
    # (seconds the load has been measuring, per the rows of its per-second CSV; MB)
    samples: dict[str, list[tuple[float, float]]] = {}
    while proc.poll() is None:
        csv_path = csv_path or _series_file(root, args.engine, began)
        rows = _rows(csv_path)
        if rows:
            for label, pid in [("master" if args.workers else "load", proc.pid)] + [
                (f"worker{i}", p) for i, p in enumerate(children(proc.pid))
            ]:
                mb = rss_mb(pid)
                if mb is not None:
                    samples.setdefault(label, []).append((rows, mb))
        time.sleep(1)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"arena load failed ({proc.returncode}): {stderr[-2000:]}")
    out = json.loads(stdout)
    result = out["engines"][args.engine]
    report: dict = {
        "duration_s": duration,
        "status": result["status"],
        "ops": result["overall"]["count"],
        "throughput_per_s": result["throughput_per_s"],
        "errors": result["error_count"],
        "processes": {},
    }
    for label, points in samples.items():
        # after the warm-up, and while the load still ran (not its final writes and exit)
        last = points[-1][0] - END_S
        steady = [(t, mb) for t, mb in points if WARMUP_S <= t <= last] or points
        t, mb = np.array([p[0] for p in steady]), np.array([p[1] for p in steady])
        slope = float(np.polyfit(t, mb, 1)[0]) if len(t) > 2 else 0.0
        # start and end as the median of 5 s: a metrics write is a one-second blip, not growth
        start, end = float(np.median(mb[:5])), float(np.median(mb[-5:]))
        drift = float(max(abs(end - start), abs(slope * (t[-1] - t[0]))) / start)
        report["processes"][label] = {
            "rss_start_mb": round(start, 1),
            "rss_end_mb": round(end, 1),
            "rss_peak_mb": round(float(mb.max()), 1),
            "slope_mb_per_min": round(slope * 60, 2),
            "drift_pct": round(100 * drift, 1),
            "flat": bool(drift <= FLAT_WITHIN),
            "under_limit": bool(float(mb.max()) < LIMIT_MB),
        }
    with (Path(out["path"]) / f"{args.engine}.csv").open() as f:
        rows = list(csv.DictReader(f))
    minutes: dict[int, list[float]] = {}
    for row in rows:
        minutes.setdefault(int(float(row["elapsed_s"]) // 60), []).append(float(row["ops"]))
    report["throughput_per_minute"] = {
        f"min{m + 1}": round(sum(v) / len(v), 1) for m, v in sorted(minutes.items())
    }
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", default="2m", help="e.g. 90s, 10m (default 2m)")
    ap.add_argument("--pattern", default="ecommerce")
    ap.add_argument("--users", type=int, default=4)
    ap.add_argument("--workers", type=int, default=0, help="worker processes (0: one process)")
    ap.add_argument("--engine", default="postgres")
    ap.add_argument("--rows", default="10k", help="rows per table to seed")
    ap.add_argument("--project", help="an existing project dir with the engine up and seeded")
    args = ap.parse_args()

    if args.project:
        report = soak(Path(args.project), args)
    else:
        root = Path(tempfile.mkdtemp(prefix="arena-soak-"))
        os.chmod(root, 0o755)
        state = ProjectState(root)
        try:
            for r in lifecycle.up([args.engine], "native", state=state):
                if r.error:
                    sys.exit(f"{r.engine}: {r.error.one_line()}")
            arena = [sys.executable, "-m", "arena"]
            run([*arena, "schema", "apply", "ecommerce", "--engines", args.engine], root)
            run([*arena, "seed", "--rows", args.rows, "--engines", args.engine], root)
            report = soak(root, args)
        finally:
            lifecycle.down(purge=True, state=state)
            shutil.rmtree(root, ignore_errors=True)
    for label, p in report["processes"].items():
        print(
            f"{label}: RSS {p['rss_start_mb']:.1f} MB at {WARMUP_S} s -> "
            f"{p['rss_end_mb']:.1f} MB at the end (peak {p['rss_peak_mb']:.1f}), slope "
            f"{p['slope_mb_per_min']:+.2f} MB/min, drift {p['drift_pct']:.1f} % | flat within "
            f"10 %: {p['flat']} | "
            f"under {LIMIT_MB} MB: {p['under_limit']}"
        )
    per_min = ", ".join(f"{k} {v:,.0f}" for k, v in report["throughput_per_minute"].items())
    print(f"throughput ops/s per minute: {per_min} | overall {report['throughput_per_s']:,.0f}")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
