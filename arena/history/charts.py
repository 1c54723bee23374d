"""SVG charts for the HTML report, drawn by pygal (https://www.pygal.org): pure SVG with
its style inline and no external script (`js=[]`), so the file opens offline with no fetch."""

from __future__ import annotations

import math

import pygal
from hdrh.histogram import HdrHistogram
from pygal.style import DefaultStyle

# percentile plot points, as in HdrHistogram's percentile distribution
PERCENTILES = (50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0)


def _config(**extra) -> dict:
    return {
        "js": [],  # pygal's tooltips script is fetched from a CDN: keep the file offline
        "disable_xml_declaration": True,
        "width": 900,
        "height": 360,
        "style": DefaultStyle,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        **extra,
    }


def log_labels(values: list[float]) -> list[float]:
    """1-2-5 steps covering the values: pygal's own log labels overlap into a smear."""
    positive = [v for v in values if v and v > 0]
    if not positive:
        return [1.0]
    low, high = min(positive), max(positive)
    labels, decade = [], 10 ** math.floor(math.log10(low))
    while decade <= high * 10:
        labels += [step * decade for step in (1, 2, 5)]
        decade *= 10
    first = max(i for i, v in enumerate(labels) if v <= low)
    last = min(i for i, v in enumerate(labels) if v >= high)
    return [round(v, 6) for v in labels[first : last + 1]]


def _render(chart) -> str:
    return chart.render(is_unicode=True)


def time_series(title: str, y_title: str, series: dict[str, list[tuple[float, float]]]) -> str:
    chart = pygal.XY(**_config(title=title, x_title="elapsed s", y_title=y_title,
                               show_dots=False, include_x_axis=True))  # fmt: skip
    for engine, points in series.items():
        chart.add(engine, points)
    return _render(chart)


def latency_percentiles(hists: dict[str, str]) -> str:
    """p50..max of each engine's overall HdrHistogram, latency on a log scale (ms)."""
    chart = pygal.Line(**_config(title="Latency by percentile (log scale)", y_title="ms",
                                 x_title="percentile", logarithmic=True))  # fmt: skip
    chart.x_labels = [f"p{p:g}" if p < 100 else "max" for p in PERCENTILES]
    every = []
    for engine, encoded in hists.items():
        hist = HdrHistogram.decode(encoded)
        values = [max(hist.get_value_at_percentile(p), 1) / 1000 for p in PERCENTILES]
        chart.add(engine, values)
        every += values
    chart.y_labels = log_labels(every)
    return _render(chart)


def percentile_values(encoded: str) -> dict[str, float]:
    hist = HdrHistogram.decode(encoded)
    return {f"p{p:g}": hist.get_value_at_percentile(p) for p in PERCENTILES}


def bars(title: str, y_title: str, labels: list[str], series: dict[str, list[float | None]],
         logarithmic: bool = False) -> str:  # fmt: skip
    chart = pygal.Bar(**_config(title=title, y_title=y_title, x_label_rotation=20,
                                logarithmic=logarithmic))  # fmt: skip
    chart.x_labels = labels
    for engine, values in series.items():
        chart.add(engine, values)
    if logarithmic:
        chart.y_labels = log_labels([v for vals in series.values() for v in vals if v])
    return _render(chart)


def trend(title: str, y_title: str, series: dict[str, list[float]],
          shifts: dict[str, list[int]]) -> str:  # fmt: skip
    """A metric across runs (x = run number), one line per engine; change points as big dots."""
    chart = pygal.XY(**_config(title=title, x_title="run", y_title=y_title, dots_size=3))
    for engine, values in series.items():
        chart.add(engine, list(enumerate(values, start=1)))
    for engine, indexes in shifts.items():
        if indexes:
            points = [(i + 1, series[engine][i]) for i in indexes]
            chart.add(f"{engine}: shift", points, stroke=False, dots_size=8)
    return _render(chart)


def top_n(labels: list[str], series: dict[str, list[float | None]], n: int,
          others: str | None) -> tuple[list[str], dict[str, list[float | None]]]:  # fmt: skip
    """The n labels with the largest value in any series, largest first; with others="sum"
    the rest become one "others (k)" bar per series holding their sum."""
    if len(labels) <= n:
        return labels, series
    peak = [max((vals[i] or 0) for vals in series.values()) for i in range(len(labels))]
    order = sorted(range(len(labels)), key=lambda i: -peak[i])
    keep, rest = order[:n], order[n:]
    out_labels = [labels[i] for i in keep]
    out = {e: [vals[i] for i in keep] for e, vals in series.items()}
    if others == "sum":
        out_labels.append(f"others ({len(rest)}, summed)")
        for e, vals in series.items():
            out[e].append(sum(vals[i] or 0 for i in rest))
    return out_labels, out


def hbars(title: str, x_title: str, labels: list[str], series: dict[str, list[float | None]],
          logarithmic: bool = False) -> str:  # fmt: skip
    """Horizontal bars: one row per label, its name on the left where it has room to be read
    (vertical bars overlap their labels past a dozen operations)."""
    rows = len(labels) * max(len(series), 1)
    chart = pygal.HorizontalBar(**_config(
        title=title, x_title=x_title, logarithmic=logarithmic, height=max(360, 80 + 16 * rows),
        truncate_label=-1, margin_left=10,
    ))  # fmt: skip
    # pygal draws the first label at the bottom: reverse, so the largest reads first
    chart.x_labels = list(reversed(labels))
    for engine, values in series.items():
        chart.add(engine, list(reversed(values)))
    if logarithmic:
        chart.y_labels = log_labels([v for vals in series.values() for v in vals if v])
        # bars grow from the axis' low end: pin it to the first label, not the smallest value
        chart.range = (chart.y_labels[0], chart.y_labels[-1])
    return _render(chart)
