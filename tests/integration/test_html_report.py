"""`arena html` on a real two-engine load run, opened in headless Chromium: it renders with no
console errors, fetches nothing, and each chart has every engine's data. The screenshot is kept
in tests/artifacts/ (gitignored) for a person to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from arena.state import ProjectState
from tests.conftest import REPO, fresh_database, make_project_dir, run_arena
from tests.integration.test_load import create_tables, write_mix

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"  # Debian's package; scripts/install-deps.sh installs it
ARTIFACTS = REPO / "tests" / "artifacts"
ENGINES = ("sqlite", "postgres")
CHARTS = ("throughput", "latency", "operations", "operations-p99", "errors")


def chromium(page: Path, *mode: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="arena-chromium-")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--window-size=1280,2000", *mode, page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class SeriesShapes(HTMLParser):
    """Per pygal series (<g class="series serie-N ...">), how many data points it draws: the
    points of its line paths, its bars, its dots."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.drawn: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        serie = next((c for c in classes if c.startswith("serie-")), None)
        current = serie or next((s for s in reversed(self.stack) if s), None)
        if tag not in VOID:
            self.stack.append(serie)
        if current is None:
            return
        points = 0
        if tag == "path" and "line" in classes:
            points = len(re.findall(r"[\d.]+ [\d.]+", a.get("d") or ""))
        elif tag == "rect" and "rect" in classes:
            points = 1
        if points:
            self.drawn[current] = self.drawn.get(current, 0) + points

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()


VOID = {"br", "img", "meta", "link", "input", "hr"}


def console_errors(stderr: str) -> list[str]:
    """Chromium logs each page console message and uncaught exception as CONSOLE lines."""
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def report(servers) -> Iterator[Path]:
    root = make_project_dir("arena-html-")
    with (fresh_database("sqlite", servers) as (sq, sq_end),
          fresh_database("postgres", servers) as (pg, pg_end)):  # fmt: skip
        for engine, endpoint in ((sq, sq_end), (pg, pg_end)):
            create_tables(engine, endpoint)
            ProjectState(root).save_endpoint(endpoint)
        mix = write_mix(root)
        done = run_arena(root, "load", "--engines", ",".join(ENGINES), "--mix", mix, "--users",
                         "2", "--duration", "4s", "--seed", "7", "--json", timeout=180)  # fmt: skip
        assert done.returncode == 0, done.stderr + done.stdout
        written = run_arena(root, "html", "-o", "report.html")
        assert written.returncode == 0, written.stderr
        assert "wrote report.html" in written.stdout
        yield root / "report.html"
    shutil.rmtree(root, ignore_errors=True)


def test_the_report_is_self_contained(report):
    text = report.read_text()
    # nothing is fetched when opened: no external script, stylesheet, image or font
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", text, re.I)
    for engine in ENGINES:
        assert engine in text
    assert "Recommendations" in text and "Ratio to the best engine" in text


def test_chromium_renders_it_with_every_chart_holding_data(report):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "html-report.png"
    shot.unlink(missing_ok=True)
    taken = chromium(report, f"--screenshot={shot}")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 50_000  # a blank page is a few kB
    assert console_errors(taken.stderr) == []

    dumped = chromium(report, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert console_errors(dumped.stderr) == []
    dom = dumped.stdout
    for chart in CHARTS:
        match = re.search(rf'<figure class="chart" id="chart-{chart}".*?</figure>', dom, re.S)
        assert match, f"chart {chart} missing from the rendered DOM"
        figure = match.group(0)
        assert "<svg" in figure
        for engine in ENGINES:  # a legend entry per engine
            assert re.search(rf">\s*{engine}\s*<", figure), (chart, engine)
        # every engine's series is drawn: a line with points, or bars
        shapes = SeriesShapes()
        shapes.feed(figure)
        assert len(shapes.drawn) == len(ENGINES), (chart, shapes.drawn)
        assert all(n >= 2 for n in shapes.drawn.values()), (chart, shapes.drawn)


def test_the_console_check_catches_a_broken_page(tmp_path):
    """Negative control: the same check flags a page whose script throws."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>undefinedFunction()</script></body></html>")
    result = chromium(page, "--dump-dom")
    assert console_errors(result.stderr), result.stderr[-2000:]


# -- a suite run: the recorder's sections (issue 14) ----------------------------------------
@pytest.fixture(scope="module")
def suite_pages(servers) -> Iterator[dict[str, Path]]:
    """`arena run isolation` on PostgreSQL, and a run recorded through the recorder API the
    way the scenario suites use it (sampling, metrics, invariants with one violated)."""
    from arena.history.recorder import recording
    from arena.targets import resolve

    root = make_project_dir("arena-html-suite-")
    pages = {}
    with fresh_database("postgres", servers) as (pg, pg_end):
        state = ProjectState(root)
        state.save_endpoint(pg_end)
        done = run_arena(root, "run", "isolation", "--engines", "postgres", "--tests", "G0,P4")
        assert done.returncode == 0, done.stderr
        targets = resolve(["postgres"], state)
        with recording("run", ["arena", "run", "shop"], targets, state=state,
                       workload="run shop") as rec:  # fmt: skip
            with rec.sampling(targets):
                conn = pg.connect(pg_end)
                until = time.time() + 3
                while time.time() < until:
                    conn.execute("SELECT count(*) FROM generate_series(1, 20000)")
                conn.close()
            rec.metric("postgres", "ops_per_s", 41.0, scope="workflow:checkout")
            rec.metric("postgres", "p99_us", 2300.0, better="lower", scope="workflow:checkout")
            rec.attach("invariants", [
                {"instance": "postgres", "name": "stock never negative", "ok": True,
                 "detail": "0 rows"},
                {"instance": "postgres", "name": "money is conserved", "ok": False,
                 "detail": "sum differs by 12.00"},
            ])  # fmt: skip
        runs = sorted((root / ".arena" / "results").iterdir(), key=lambda p: p.name[4:])
        for name, run in (("isolation", runs[0]), ("shop", rec.path)):
            out = root / f"{name}.html"
            made = run_arena(root, "report", run.name, "--html", "-o", str(out))
            assert made.returncode == 0, made.stderr
            pages[name] = out
        yield pages
    shutil.rmtree(root, ignore_errors=True)


def test_a_suite_run_renders_its_matrix_invariants_and_resources(suite_pages):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, page in suite_pages.items():
        shot = ARTIFACTS / f"html-{name}.png"
        shot.unlink(missing_ok=True)
        taken = chromium(page, f"--screenshot={shot}")
        assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
        dumped = chromium(page, "--dump-dom")
        assert console_errors(dumped.stderr) == []
        dom = dumped.stdout
        assert "shared_buffers=" in dom and 'id="environment"' in dom
        figure = re.search(r'<figure class="chart" id="chart-resources-cpu_pct".*?</figure>',
                           dom, re.S)  # fmt: skip
        assert figure, f"{name}: no CPU chart"
        shapes = SeriesShapes()
        shapes.feed(figure.group(0))
        assert shapes.drawn and all(n >= 2 for n in shapes.drawn.values()), shapes.drawn
    isolation = suite_pages["isolation"].read_text()
    assert "Isolation matrix: postgres" in isolation and "G0" in isolation
    shop = suite_pages["shop"].read_text()
    assert shop.count('<tr class="violated">') == 1 and "money is conserved" in shop
    assert "workflow:checkout" in shop
