"""`arena load --web` against `arena load`, in one run, on the same server (not a timed test).

    python benchmarks/web.py                          # 3 rounds of 15 s per variant
    python benchmarks/web.py --duration 10 --rounds 1 # quick

Starts native PostgreSQL through arena's runtime in a temporary project, applies and seeds
the ecommerce schema, then runs issue 14's command
`arena load --engines postgres --pattern read-heavy --users 4 --duration 15s` in three
variants, alternating round by round (the client and the server share this machine's cores):

  plain      no UI
  web        --web, no browser
  web+page   --web with a poller doing what an open page does: the page once, then
             /stats/requests every 2 s

and prints per variant the median ops/s, p99.9 and max, the ratio to `plain`, the CPU arena's
processes spent per 1,000 operations (steadier than ops/s when other work shares the cores:
it says whether --web costs arena anything), and for the
--web runs how far the UI's final /stats/requests is from the run's results
(arena/load/webcheck.py: totals, ops/s, current RPS, per-operation counts and percentiles).
Target (issue 14): ratio within noise of 1, every UI number within 5 % of the results.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from arena import lifecycle
from arena.load.webcheck import comparisons
from arena.state import ProjectState

VARIANTS = ("plain", "web", "web+page")
URL = re.compile(r"Locust web UI: (http://127\.0\.0\.1:\d+/)$")
PAGE_POLL_S = 2.0  # the Locust page polls /stats/requests this often
UI_CACHE_S = 2.0  # Locust memoizes /stats/requests this long


def arena(root: Path, *args: str) -> str:  # setup steps
    out = subprocess.run(
        [sys.executable, "-m", "arena", *args], capture_output=True, text=True, cwd=root,
        env={**os.environ, "ARENA_PROJECT_DIR": str(root)},
    )  # fmt: skip
    if out.returncode != 0:
        sys.exit(f"arena {' '.join(args)} failed: {out.stderr[-2000:]}{out.stdout[-2000:]}")
    return out.stdout


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


class Page(threading.Thread):
    """What an open Locust page asks of the server while the load runs."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop, self.polls = url, threading.Event(), 0

    def run(self) -> None:
        fetch(self.url)
        while not self.stop.wait(PAGE_POLL_S):
            fetch(f"{self.url}stats/requests")
            self.polls += 1


class Sampler(threading.Thread):
    """CPU seconds of arena's process tree (the master and its worker) against the
    operations in its per-second CSV, every 0.25 s: CPU per operation over the measured
    seconds only (start-up, imports and the UI kept open afterwards left out)."""

    def __init__(self, pid: int, root: Path) -> None:
        super().__init__(daemon=True)
        self.pid, self.root, self.stop = pid, root, threading.Event()
        self.samples: list[tuple[float, int]] = []
        self.before = set((root / ".arena" / "results").glob("*/postgres.csv"))

    def cpu(self) -> float:
        main = psutil.Process(self.pid)
        return sum(sum(p.cpu_times()[:2]) for p in [main, *main.children(recursive=True)])

    def ops(self) -> int:
        new = set((self.root / ".arena" / "results").glob("*/postgres.csv")) - self.before
        if not new:
            return 0
        with new.pop().open() as f:
            return sum(int(r["ops"]) for r in csv.DictReader(f) if r.get("ops"))

    def run(self) -> None:
        while not self.stop.wait(0.25):
            try:
                self.samples.append((self.cpu(), self.ops()))
            except (psutil.Error, OSError, ValueError):
                return

    def cpu_ms_per_kop(self) -> float:
        moving = [s for s in self.samples if s[1] > 0]
        if len(moving) < 2 or moving[-1][1] == moving[0][1]:
            return float("nan")
        last = max(moving, key=lambda s: s[1])  # the last sample with new operations
        last = next(s for s in moving if s[1] == last[1])
        return 1e6 * (last[0] - moving[0][0]) / (last[1] - moving[0][1])


def load(root: Path, variant: str, duration: int) -> dict:
    args = ["load", "--engines", "postgres", "--pattern", "read-heavy", "--users", "4",
            "--duration", f"{duration}s", "--json"]  # fmt: skip
    if variant != "plain":
        args.append("--web")
    sampler = Sampler(0, root)  # before the start: it knows the run folders already there
    proc = subprocess.Popen(
        [sys.executable, "-m", "arena", *args], cwd=root, text=True,
        env={**os.environ, "ARENA_PROJECT_DIR": str(root)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    sampler.pid = proc.pid
    sampler.start()
    page = ui = url = None
    for line in proc.stderr if variant != "plain" else ():
        found = URL.search(line.strip())
        if found:
            url = found.group(1)
            if variant == "web+page":
                time.sleep(1.0)  # the server binds on its greenlet, just after the line
                page = Page(url)
                page.start()
        if "final numbers stay at" in line:
            sampler.stop.set()
            if page is not None:
                page.stop.set()
            time.sleep(UI_CACHE_S + 0.2)
            ui = json.loads(fetch(f"{url}stats/requests"))
            break
    out, err = proc.communicate(timeout=120)
    sampler.stop.set()
    if proc.returncode != 0 or (variant != "plain" and ui is None):
        sys.exit(f"arena {' '.join(args)} failed: {err[-2000:]}")
    report = json.loads(out)
    summary = report["engines"]["postgres"]
    run = {"summary": summary, "cpu_ms_per_kop": sampler.cpu_ms_per_kop()}
    if ui is not None:
        with (Path(report["path"]) / "postgres.csv").open() as f:
            per_second = [(float(r["elapsed_s"]), int(r["ops"]) + int(r["errors"]))
                          for r in csv.DictReader(f)]  # fmt: skip
        run["worst"] = max(comparisons(ui, summary, per_second), key=lambda c: c.off_by)
        run["polls"] = page.polls if page else 0
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=int, default=15, help="seconds per run")
    ap.add_argument("--rounds", type=int, default=3, help="alternating repeats (median kept)")
    ap.add_argument("--rows", default="10k", help="arena seed --rows")
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="arena-bench-web-"))
    os.chmod(root, 0o755)
    state = ProjectState(root)
    runs: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    try:
        for r in lifecycle.up(["postgres"], "native", state=state):
            if r.error:
                sys.exit(f"{r.engine}: {r.error.one_line()}")
        arena(root, "schema", "apply", "ecommerce")
        arena(root, "seed", "--rows", args.rows)
        for i in range(args.rounds):
            for variant in VARIANTS:
                run = load(root, variant, args.duration)
                o, s = run["summary"]["overall"], run["summary"]
                worst = run.get("worst")
                print(
                    f"round {i + 1} {variant:9} {s['throughput_per_s']:>9,.0f} ops/s  "
                    f"p99.9 {o['p99_9_us'] / 1000:8.3f} ms  max {o['max_us'] / 1000:8.1f} ms  "
                    f"arena CPU {run['cpu_ms_per_kop']:.0f} ms/1k ops"
                    + (f"  UI worst {100 * worst.off_by:.2f}% ({worst})" if worst else "")
                    + (f"  page polls {run['polls']}" if variant == "web+page" else ""),
                    flush=True,
                )
                runs[variant].append(run)
    finally:
        lifecycle.down(purge=True, state=state)
        shutil.rmtree(root, ignore_errors=True)

    def median(variant: str, pick) -> float:
        return statistics.median(pick(r) for r in runs[variant])

    plain = median("plain", lambda r: r["summary"]["throughput_per_s"])
    print(f"\nmedian of {args.rounds} round(s), {args.duration} s each:")
    for variant in VARIANTS:
        ops = median(variant, lambda r: r["summary"]["throughput_per_s"])
        p999 = median(variant, lambda r: r["summary"]["overall"]["p99_9_us"]) / 1000
        top = median(variant, lambda r: r["summary"]["overall"]["max_us"]) / 1000
        line = f"{variant:9} {ops:>9,.0f} ops/s ({ops / plain:.2f}x plain)  p99.9 {p999:.3f} ms"
        cpu = median(variant, lambda r: r["cpu_ms_per_kop"])
        line += f"  max {top:.1f} ms  arena CPU {cpu:.0f} ms/1k ops"
        if variant != "plain":
            worst = max(r["worst"].off_by for r in runs[variant])
            line += f"  UI vs results: worst {100 * worst:.2f}%"
        print(line)


if __name__ == "__main__":
    main()
