"""Locust's web UI (`arena load --web`) showing arena's own numbers, not a sample of them.

arena's users fire no Locust request event (arena/load/process.py), so Locust's statistics
stay empty unless arena fills them. The old filler replayed every histogram bucket of every
second through Python loops in the process that runs the users: it held the event loop for
~0.5 s a second (a 4-user PostgreSQL load fell from ~12,000 to ~800 ops/s, p99.9 from 2.7 ms
to 1.3 s), and the UI showed a fraction of the load (RPS 68 while arena counted thousands).

Here `LiveStats` replaces the Environment's RequestStats, in the master process only: with
--web the users run in worker processes (arena/load/master.py), and the master, which merges
their histograms anyway, serves the UI. Once a second the monitor hands it the merged interval
of every process (`feed`), in bulk: per operation, the histogram's counts
are added to a numpy array and the second's attempts and failures to Locust's per-second
dicts. Everything the UI reads is then computed on demand from those, with arena's rules:
percentiles and mean from the µs HdrHistogram buckets (the same arithmetic as
arena.load.metrics.summarize, shown in ms with µs precision), request rates over the seconds
arena measured. A Locust "request" is an attempt: arena's operations plus its errors, the
errors counted as failures (and as requests without a latency, so means and percentiles are
of the successful operations, like arena's).

arena/load/webcheck.py compares what the UI serves (/stats/requests) with a run's results.
"""

from __future__ import annotations

import contextlib
from collections import deque
from typing import Any

import gevent
import numpy as np
from locust.stats import EntriesDict, RequestStats, StatsEntry, StatsError

from arena import console
from arena.load import metrics
from arena.load.metrics import Interval, _bucket_tables, new_histogram

METHOD = "SQL"  # Locust's "Type" column
CURRENT_WINDOW_S = 10  # Locust's "current" RPS and chart percentiles cover ~10 s
# After the run the UI still shows the final numbers this long (Ctrl-C closes it at once).
KEEP_OPEN_S = 10

_LOWEST, _WIDTH = _bucket_tables(new_histogram())
_MIDDLE = (_LOWEST + _WIDTH // 2).astype(np.float64)


def _value_at(cumulative: np.ndarray, fraction: float) -> float:
    """arena's percentile (metrics.summarize): the highest value of the bucket holding the
    target count, in ms. `cumulative` is the running sum of a histogram's counts."""
    total = int(cumulative[-1])
    if total <= 0:
        return 0.0
    target = max(int(fraction * total + 0.5), 1)
    index = min(int(np.searchsorted(cumulative, target)), len(cumulative) - 1)
    return int(_LOWEST[index] + _WIDTH[index] - 1) / 1000


class LiveEntry(StatsEntry):
    """One row of the UI (an operation, or the Aggregated total) over arena's histograms."""

    def __init__(self, stats: LiveStats, name: str, method: str, **_: Any) -> None:
        self.counts = np.zeros(len(_LOWEST), dtype=np.int64)
        self.successes = 0
        self.min_us: int | None = None
        self.max_us = 0
        self._cumulative: np.ndarray | None = None  # of counts, until the next feed
        self._cache: dict[float, float] = {}
        super().__init__(stats, name, method, use_response_times_cache=True)

    def reset(self) -> None:
        super().reset()
        self.counts[:] = 0
        self.successes, self.min_us, self.max_us = 0, None, 0
        self._cumulative, self._cache = None, {}

    def _cache_response_times(self, t: int) -> None:
        """Locust copies its response-time dict every second for its "current" percentiles;
        here those come from LiveStats.window instead."""

    def add(self, second: int, index: np.ndarray, counts: np.ndarray, lo: int, hi: int) -> None:
        """One second's histogram of this row, as its non-empty buckets (index, counts)."""
        n = int(counts.sum())
        self.counts[index] += counts
        self.successes += n
        self.num_requests += n
        self.num_reqs_per_sec[second] += n
        self.total_response_time += float(np.dot(_MIDDLE[index], counts)) / 1000
        self.min_us = lo if self.min_us is None else min(self.min_us, lo)
        self.max_us = max(self.max_us, hi)
        self.min_response_time = self.min_us / 1000
        self.max_response_time = self.max_us / 1000
        self.last_request_timestamp = second
        self._cumulative, self._cache = None, {}

    def fail(self, second: int, n: int) -> None:
        self.num_requests += n
        self.num_none_requests += n  # no latency: means and percentiles stay of successes
        self.num_failures += n
        self.num_reqs_per_sec[second] += n
        self.num_fail_per_sec[second] += n
        self.last_request_timestamp = second

    # -- what the UI reads ------------------------------------------------------------------
    def get_response_time_percentile(self, percent: float) -> float:
        if percent not in self._cache:
            if self._cumulative is None:
                self._cumulative = np.cumsum(self.counts)
            self._cache[percent] = _value_at(self._cumulative, percent)
        return self._cache[percent]

    @property
    def median_response_time(self) -> float:
        return self.get_response_time_percentile(0.5)

    @property
    def avg_response_time(self) -> float:
        return self.total_response_time / self.successes if self.successes else 0.0

    def get_current_response_time_percentile(self, percent: float) -> float | None:
        return self.stats.window_percentile(percent) if self is self.stats.total else None

    def _rate(self, per_second: dict[int, int], current: bool) -> float:
        first, last = self.stats.first_second, self.stats.last_second
        if first is None or last is None:
            return 0.0
        if current:
            first = max(first, last - CURRENT_WINDOW_S + 1)
            return sum(per_second.get(s, 0) for s in range(first, last + 1)) / (last - first + 1)
        return sum(per_second.values()) / (self.stats.measured_s or last - first + 1)

    @property
    def current_rps(self) -> float:
        return self._rate(self.num_reqs_per_sec, current=True)

    @property
    def current_fail_per_sec(self) -> float:
        return self._rate(self.num_fail_per_sec, current=True)

    @property
    def total_rps(self) -> float:
        return self._rate(self.num_reqs_per_sec, current=False)

    @property
    def total_fail_per_sec(self) -> float:
        return self._rate(self.num_fail_per_sec, current=False)

    def to_dict(self, escape_string_values: bool = False) -> dict[str, Any]:
        row = super().to_dict(escape_string_values)
        # Locust rounds min and max to whole ms: a 0.05 ms minimum would read 0.
        row["min_response_time"] = self.min_response_time or 0
        row["max_response_time"] = self.max_response_time
        return row


class _LiveEntries(EntriesDict):
    def __missing__(self, key: tuple[str, str]) -> LiveEntry:
        self[key] = LiveEntry(self.request_stats, key[0], key[1])
        return self[key]


class LiveStats(RequestStats):
    """The Environment's RequestStats with --web: filled by `feed`, never per request.

    Each interval arena merges is tagged with the wall second it was drained at, and covers
    the second before it; rates divide by the seconds fed (first to last, both included)."""

    def __init__(self) -> None:
        self.window: deque[tuple[int, np.ndarray]] = deque(maxlen=CURRENT_WINDOW_S)
        self.first_second: int | None = None
        self.last_second: int | None = None
        # Set by the last feed of an engine: its measured time, arena's denominator. Until
        # then the seconds fed, first to last; the tail drained after the stop may start a
        # second of its own, which would count as a whole one.
        self.measured_s: float | None = None
        self._window_cache: dict[float, float | None] = {}
        super().__init__(use_response_times_cache=True)
        self.clear_all()

    def clear_all(self) -> None:
        """Locust calls this when a run starts (the next engine's, too)."""
        super().clear_all()
        self.total = LiveEntry(self, "Aggregated", "")
        self.entries = _LiveEntries(self)
        self.window.clear()
        self.first_second = self.last_second = self.measured_s = None
        self._window_cache = {}

    def reset_all(self) -> None:  # the UI's "Reset stats"
        super().reset_all()
        self.window.clear()
        self.first_second = self.last_second = self.measured_s = None
        self._window_cache = {}

    def feed(self, second: int, interval: Interval) -> None:
        """Add one merged second (every process's interval of that wall second)."""
        if self.first_second is None:
            self.first_second = second
        self.last_second = max(self.last_second or second, second)
        total = np.zeros(len(_LOWEST), dtype=np.int64)
        for name, hist in interval.ops.items():
            if not hist.get_total_count():
                continue
            # Only the non-empty buckets: a histogram has 23,552, a second fills a few dozen.
            raw = np.ctypeslib.as_array(hist.counts)
            index = np.flatnonzero(raw)
            counts = raw[index].astype(np.int64)
            lo, hi = hist.get_min_value(), hist.get_max_value()
            self.get(name, METHOD).add(second, index, counts, lo, hi)
            self.total.add(second, index, counts, lo, hi)
            total[index] += counts
            metrics.pause_between_steps()  # users get the loop back within ~1 ms (metrics.set_pause)
        for key, n in interval.errors.items():
            name, _, kind = key.partition(": ")
            self.get(name, METHOD).fail(second, n)
            self.total.fail(second, n)
            self._error(name, kind, interval.samples.get(key, ""), n, second)
        self.window.append((second, total))
        self._window_cache = {}
        self._history(second, interval.users)

    def _error(self, name: str, kind: str, sample: str, n: int, second: int) -> None:
        key = StatsError.create_key(METHOD, name, kind)
        error = self.errors.get(key)
        if error is None:
            text = f"{kind}: {sample}" if sample else kind
            error = self.errors[key] = StatsError(METHOD, name, text, 0, second, second)
        error.occurrences += n
        error.last_seen = second

    def window_percentile(self, fraction: float) -> float | None:
        """A percentile of the last CURRENT_WINDOW_S seconds fed (the UI's chart)."""
        if fraction not in self._window_cache:
            counts = sum((c for _, c in self.window), np.zeros(len(_LOWEST), dtype=np.int64))
            cumulative = np.cumsum(counts)
            self._window_cache[fraction] = (
                _value_at(cumulative, fraction) if cumulative[-1] else None
            )
        return self._window_cache[fraction]

    def _history(self, second: int, users: int) -> None:
        """What Locust's stats_history greenlet would append: the charts' past when the page
        is opened mid-run, and the /stats/report page."""
        from locust.stats import PERCENTILES_TO_CHART
        from locust.util.date import format_utc_timestamp

        stamp = format_utc_timestamp(second)
        row: dict[str, Any] = {
            f"response_time_percentile_{p}": [stamp, self.window_percentile(p) or 0]
            for p in PERCENTILES_TO_CHART
        }
        row.update(
            current_rps=[stamp, self.total.current_rps],
            current_fail_per_sec=[stamp, self.total.current_fail_per_sec],
            total_avg_response_time=[stamp, round(self.total.avg_response_time, 3)],
            user_count=[stamp, users],
            time=stamp,
        )
        self.history.append(row)


def feed_locust_stats(
    stats: Any, rows: list[tuple[int, Interval]], measured_s: float | None = None
) -> None:
    """The monitor's once-a-second call with --web: merged seconds into the UI's stats; the
    last call of an engine gives its measured time."""
    if isinstance(stats, LiveStats):
        for second, interval in rows:
            stats.feed(second, interval)
        if measured_s is not None:
            stats.measured_s = measured_s


def web_url(cluster: Any) -> str:
    return f"http://{cluster.web.host}:{cluster.web.port}/"


def keep_web_open(clusters: list[Any]) -> None:
    """Let the final numbers be read (by a person, or a check) before the UI closes."""
    urls = [web_url(c) for c in clusters if c.web is not None]
    if not urls:
        return
    console.info(
        f"Locust web UI: the final numbers stay at {', '.join(urls)} for {KEEP_OPEN_S} s "
        "(Ctrl-C closes it)",
        err=True,
    )
    with contextlib.suppress(KeyboardInterrupt):  # the run is done: not an interruption
        gevent.sleep(KEEP_OPEN_S)
