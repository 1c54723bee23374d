"""The HTML report of a bench run, from a bench folder: per-category bars with every engine,
bench's ratios and noise verdicts, and recommendations naming the case they come from."""

from __future__ import annotations

import json
import re

from arena.history import html
from arena.history.folder import read_folder


def bench_row(case, engine, median, ratio, fastest=False, within_noise=False):
    return {"category": "query", "case": case, "scale": None, "engine": engine,
            "samples_s": [median] * 3, "summary": {"median": median},
            "comparison": {"ratio": ratio, "fastest": fastest, "within_noise": within_noise}}  # fmt: skip


def test_a_bench_run_renders_with_ratios_and_advice(tmp_path):
    folder = tmp_path / "bench-20260101-000000-dddd"
    folder.mkdir()
    run = {"run_id": folder.name, "kind": "bench", "status": "done", "subject": "payments",
           "engines": {"sqlite": "3.40", "postgres": "16.1"}, "options": {"repeats": 3}}  # fmt: skip
    rows = [
        bench_row("pk_lookup", "sqlite", 0.001, 1.0, fastest=True),
        bench_row("pk_lookup", "postgres", 0.004, 4.0),
        bench_row("like_infix", "sqlite", 0.010, 1.0, fastest=True),
        bench_row("like_infix", "postgres", 0.011, 1.1, within_noise=True),
        {**bench_row("json_path", "sqlite", 0, 0), "na": "no JSON path", "summary": {}},
    ]
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "bench.json").write_text(json.dumps(rows))
    text = html.render(read_folder(folder))
    assert "sqlite was the fastest in 2 of 3 cases." in text
    assert "postgres was 2x or more slower than the fastest, beyond noise, in 1 cases" in text
    assert "[query/pk_lookup 4.00x]" in text
    assert "1.10x (within noise)" in text and "n/a" in text
    figure = re.search(r'<figure class="chart" id="chart-query".*?</figure>', text, re.S).group(0)
    assert figure.count('class="rect reactive tooltip-trigger"') == 4  # 2 cases x 2 engines
    assert "16.1" in text and not re.search(r"""(src|href)=["']?https?:""", text)
