"""A metric's trend across runs from the store: the change point of a 15 % drop is named at the
run it began, in the text view's data and in the HTML trend page; a flat history has none."""

from __future__ import annotations

import numpy as np

from arena.history import html, views
from arena.history.store import open_store
from tests.unit.test_history_store import write_load_folder


def history(tmp_path, step_at: int | None) -> list[str]:
    rng = np.random.default_rng(3)
    ids = []
    for i in range(16):
        tps = 1000 * (1 + 0.02 * rng.standard_normal()) * (0.85 if step_at and i >= step_at else 1)
        run_id = f"load-20260101-0000{i:02d}-aaaa"
        write_load_folder(tmp_path / "results", run_id, tps=tps)
        ids.append(run_id)
    return ids


def test_a_drop_is_found_at_the_run_it_began_and_shown_in_html(tmp_path):
    ids = history(tmp_path, step_at=10)
    store, synced = open_store(tmp_path)
    with store:
        assert len(synced.imported) == 16
        [trend] = views.trends(store, "ops_per_s", "sqlite")
    assert trend.runs == ids
    [shift] = trend.changes
    assert shift.index == 10 and -20 < shift.change_pct < -10
    page = html.render_trend("ops_per_s", "overall", [trend])
    assert f"began at run 11 ({ids[10]})" in page
    assert views.sparkline(trend.values)[10:] == views.sparkline(trend.values)[10:].replace("█", "")


def test_a_flat_history_has_no_change_point(tmp_path):
    history(tmp_path, step_at=None)
    store, _ = open_store(tmp_path)
    with store:
        [trend] = views.trends(store, "ops_per_s", None)
    assert trend.changes == []
    assert "No change point" in html.render_trend("ops_per_s", "overall", [trend])
