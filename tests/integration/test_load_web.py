"""`arena load --web` on native PostgreSQL: Locust's web UI listens on loopback only, at the URL
arena prints; Chromium renders its statistics and charts during the run (screenshots kept in
tests/artifacts/, gitignored, for a person to look at); and after the run the UI's /stats/requests JSON agrees
with the run's summary.json and per-second CSV within 5 % (arena/load/webcheck.py, whose
negative controls are in tests/unit/test_web_stats.py).
"""

from __future__ import annotations

import csv
import json
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from arena.load.webcheck import disagreements
from tests.conftest import fresh_database
from tests.integration.test_load import adopt, create_tables, start_arena, write_mix

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
URL_LINE = re.compile(r"^Locust web UI: (http://([\d.]+):(\d+)/)$")
# Locust memoizes /stats/requests for 2 s (locust/web.py DEFAULT_CACHE_TIME)
UI_CACHE_S = 2.0


class Lines:
    """A subprocess's stderr, line by line, read on a thread (no pipe fills up)."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 90) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no line matching {pattern!r} in: {self.seen}")


def screenshot(url: str, path: Path) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="arena-chromium-")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1400,1000",
             "--virtual-time-budget=4000", f"--screenshot={path}", url],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def listening_on(pid: int, port: int, timeout: float = 20) -> list[str]:
    """The addresses a process listens on at `port` (its web server binds on its greenlet,
    just after the URL is printed)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            c.laddr.ip
            for c in psutil.Process(pid).net_connections("tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def wait_for_rows(path: Path, rows: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) > rows:
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} did not get {rows} rows")


def test_the_web_ui_serves_the_runs_own_numbers(servers, tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    with fresh_database("postgres", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(root, endpoint)
        proc = start_arena(root, "load", "--engines", "postgres", "--mix", write_mix(root),
                           "--users", "3", "--duration", "8s", "--web", "--json")  # fmt: skip
        try:
            lines = Lines(proc.stderr)
            url, host, port = lines.wait_for(URL_LINE.pattern).groups()
            assert host == "127.0.0.1"
            assert listening_on(proc.pid, int(port)) == ["127.0.0.1"]

            # mid-run, with a few seconds measured: the page a person would see
            results = root / ".arena" / "results"
            deadline = time.monotonic() + 60
            while not results.is_dir() or not any(results.iterdir()):
                assert time.monotonic() < deadline, "no run folder appeared"
                time.sleep(0.1)
            [folder] = list(results.iterdir())
            wait_for_rows(folder / "postgres.csv", 3)
            ARTIFACTS.mkdir(exist_ok=True)
            for page, name in (
                (url, "load-web-ui.png"),
                (f"{url}?tab=charts", "load-web-charts.png"),
            ):
                shot = ARTIFACTS / name
                shot.unlink(missing_ok=True)
                taken = screenshot(page, shot)
                assert taken.returncode == 0, taken.stderr[-2000:]
                assert shot.stat().st_size > 20_000, f"{name}: a blank page?"

            lines.wait_for(r"final numbers stay at")
            time.sleep(UI_CACHE_S + 0.2)
            with urllib.request.urlopen(f"{url}stats/requests", timeout=10) as response:
                ui = json.load(response)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0
    report = json.loads(out)  # --web writes its URLs on stderr: stdout stays JSON
    summary = json.loads((Path(report["path"]) / "summary.json").read_text())["postgres"]
    assert summary["status"] == "ok" and summary["overall"]["count"] > 1000
    with (Path(report["path"]) / "postgres.csv").open() as f:
        per_second = [(float(r["elapsed_s"]), int(r["ops"]) + int(r["errors"]))
                      for r in csv.DictReader(f)]  # fmt: skip
    assert ui["state"] == "stopped"
    assert disagreements(ui, summary, per_second) == []
