"""The recorder's pure parts: the client-bound rule (both sides of each boundary), Locust's CPU
warning turned into the marking, the store's schema 1 -> 2 migration, a refused run leaving
no trace, and the files a recorded run leaves being enough to rebuild the store."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest

from arena.errors import ArenaError
from arena.history import recorder as recorder_mod
from arena.history.recorder import LocustCpuWarning, recording, status_for
from arena.history.resources import client_bound, summarize
from arena.history.store import SCHEMA, ResultsStore
from arena.state import ProjectState


def test_client_bound_needs_more_than_a_fifth_of_the_seconds_above_90():
    assert client_bound([95.0] * 3 + [10.0] * 7) == (True, 0.3)
    assert client_bound([95.0] * 2 + [10.0] * 8) == (False, 0.2)  # exactly 20 %: not more
    assert client_bound([90.0] * 10) == (False, 0.0)  # exactly 90 %: not above
    assert client_bound([90.1] * 10) == (True, 1.0)
    assert client_bound([]) == (False, 0.0)


def test_client_bound_custom_rule():
    assert client_bound([60.0, 10.0], threshold=50, share=0.4) == (True, 0.5)
    assert client_bound([60.0, 10.0], threshold=60, share=0.4) == (False, 0.0)


def test_summary_judges_busy_time_when_the_sampler_has_it():
    # 40 % CPU but always runnable: a process starved by other work is still client-bound
    rows = [{"t": float(t), "instance": "pg", "cpu_pct": 50.0, "rss_bytes": 100,
             "connections": 3, "client_cpu_pct": 40.0, "client_busy_pct": 97.0}
            for t in range(10)]  # fmt: skip
    rows += [{"t": 0.0, "instance": "pg", "db_size_bytes": 10.0, "at": "start"},
             {"t": 9.0, "instance": "pg", "db_size_bytes": 20.0, "at": "end"}]  # fmt: skip
    s = summarize(rows)
    assert s["client_bound"] is True and s["client_hot_share"] == 1.0
    assert (s["db_size_start_bytes"], s["db_size_end_bytes"]) == (10.0, 20.0)
    assert s["server_cpu_pct_avg"] == 50.0 and s["connections_max"] == 3
    # the window: only the seconds of this instance's load count
    assert summarize(rows, 8.0, 9.0)["seconds"] == 2


def test_summary_without_busy_time_falls_back_to_cpu():
    rows = [{"t": float(t), "instance": "pg", "client_cpu_pct": 40.0} for t in range(5)]
    assert summarize(rows)["client_bound"] is False


def test_locust_cpu_warning_becomes_the_marking(caplog):
    flt = LocustCpuWarning()
    root = logging.getLogger()
    root.addFilter(flt)
    try:
        with caplog.at_level(logging.WARNING):
            logging.warning(
                "CPU usage above 90%! This may constrain your throughput and may even give "
                "inconsistent response time measurements! See https://docs.locust.io/en/"
                "stable/running-distributed.html for how to distribute the load"
            )
            logging.warning("something else")
    finally:
        root.removeFilter(flt)
    assert flt.seen == 1
    assert [r.getMessage() for r in caplog.records] == ["something else"]


def test_status_of_an_ending():
    assert status_for(None) == "done"
    assert status_for(KeyboardInterrupt()) == "interrupted"
    assert status_for(ArenaError("x")) == "failed"
    assert status_for(RuntimeError("x")) == "crashed"


def test_a_schema_1_store_is_migrated_keeping_its_rows(tmp_path):
    path = tmp_path / "results.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute("INSERT INTO runs VALUES ('load-1', 'load', 'done', '2026', '2026', 'load x', "
               "'sqlite', '{}', '/x', 0, '2026', '0.1')")  # fmt: skip
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with ResultsStore(path) as store:
        row = store.run("load-1")
        assert row["workload"] == "load x" and row["argv"] is None
        cols = {r[1] for r in store.db.execute("PRAGMA table_info(environments)")}
        assert {"settings", "resources", "client_bound", "driver_version"} <= cols
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 2


@pytest.fixture
def state(tmp_path, monkeypatch) -> ProjectState:
    monkeypatch.setenv("ARENA_PROJECT_DIR", str(tmp_path))
    return ProjectState(tmp_path)


def test_a_refused_run_leaves_no_trace(state):
    with pytest.raises(ArenaError), recording("load", ["arena", "load"], [], state=state):
        raise ArenaError("bad input", "hint")
    assert not state.dir.exists()


def test_a_run_that_measured_something_is_kept_as_failed(state):
    with pytest.raises(ArenaError), recording("run", ["arena", "run"], [], state=state) as rec:
        rec.metric("pg", "ops_per_s", 10.0)
        raise ArenaError("went wrong after measuring", "hint")
    with ResultsStore(state.dir / "results.db") as store:
        assert store.run(rec.run_id)["status"] == "failed"


def test_a_recorded_run_rebuilds_from_its_folder(state):
    with recording("run", ["arena", "run", "shop"], [], state=state, workload="run shop") as rec:
        rec.metric("pg", "ops_per_s", 120.0, samples=[110.0, 130.0])
        rec.metric("pg", "p99_us", 900.0, better="lower", scope="workflow:checkout")
        rec.attach("invariants", [{"instance": "pg", "name": "stock >= 0", "ok": True,
                                   "detail": "0 rows"}])  # fmt: skip
    db_path = state.dir / "results.db"
    with ResultsStore(db_path) as store:
        before = sorted((m.engine, m.scope, m.name, m.value) for m in store.metrics(rec.run_id))
    db_path.unlink()
    with ResultsStore(db_path) as store:
        store.sync(state.dir / "results")
        after = sorted((m.engine, m.scope, m.name, m.value) for m in store.metrics(rec.run_id))
        run = store.run(rec.run_id)
    assert after == before == [("pg", "overall", "ops_per_s", 120.0),
                               ("pg", "workflow:checkout", "p99_us", 900.0)]  # fmt: skip
    assert run["workload"] == "run shop" and run["status"] == "done"
    assert json.loads(run["attachments"])["invariants"][0]["name"] == "stock >= 0"


def test_a_recorded_run_whose_process_died_reads_as_crashed(state):
    rec = recorder_mod.Recorder("run", ["arena", "run"], [], state, None, None)
    rec.doc["pid"] = 2**22 + 12345  # above pid_max's default: no such process
    rec._write()
    rec.store.db.execute("UPDATE runs SET pid = ? WHERE run_id = ?", (rec.doc["pid"], rec.run_id))
    rec.store.db.commit()
    rec.store.close()
    with ResultsStore(state.dir / "results.db") as store:
        assert store.run(rec.run_id)["status"] == "crashed"
        store.import_run_folder(rec.path)
        assert store.run(rec.run_id)["status"] == "crashed"


def test_runs_on_another_schema_are_refused_saying_what_differs(tmp_path):
    from arena.history import views

    with ResultsStore(tmp_path / "results.db") as store:
        for run_id, schema in (("run-1", "12 tables aaaa1111"), ("run-2", "5 tables bbbb2222"),
                               ("run-3", "12 tables aaaa1111")):  # fmt: skip
            store.record_start({
                "run_id": run_id, "kind": "run", "status": "done", "started_at": run_id,
                "workload": "run shop", "config": {}, "arena_version": "x", "argv": ["arena"],
                "pid": None, "instances": {"pg": {"schema": schema}},
            }, "/x")  # fmt: skip
        with pytest.raises(ArenaError, match="schema on pg 12 tables aaaa1111 vs 5 tables"):
            views.check_comparable(store, "run-1", "run-2")
        views.check_comparable(store, "run-1", "run-3")  # the same schema: comparable


SAMPLES = [
    {"t": 100.0, "instance": "pg", "db_size_bytes": 1000.0, "at": "start"},
    {"t": 101.0, "instance": "pg", "cpu_pct": 10.02, "rss_bytes": 500, "connections": 2,
     "client_cpu_pct": 20.0, "client_busy_pct": 95.0},
    {"t": 102.0, "instance": "pg", "cpu_pct": 30.12, "rss_bytes": 700, "connections": 4,
     "client_cpu_pct": 40.0, "client_busy_pct": 50.0},
    {"t": 103.0, "instance": "pg", "cpu_pct": None, "rss_bytes": None, "connections": None,
     "client_cpu_pct": None, "client_busy_pct": None},
    {"t": 104.0, "instance": "pg", "db_size_bytes": None, "at": "middle"},
    {"t": 105.0, "instance": "pg", "db_size_bytes": 3000.0, "at": "end"},
]  # fmt: skip


def test_summary_of_every_number():
    assert summarize(SAMPLES) == {
        "seconds": 3, "server_cpu_pct_avg": 20.1, "server_cpu_pct_max": 30.1,
        "server_rss_bytes_max": 700, "connections_max": 4, "client_cpu_pct_avg": 30.0,
        "client_busy_pct_avg": 72.5, "client_hot_share": 0.5, "client_bound": True,
        "db_size_start_bytes": 1000.0, "db_size_end_bytes": 3000.0,
    }  # fmt: skip


def test_summary_within_a_window_and_of_nothing():
    within = summarize(SAMPLES, 102.0, 102.0)
    assert (within["seconds"], within["server_cpu_pct_max"], within["client_bound"]) == (
        1, 30.1, False)  # fmt: skip
    assert summarize(SAMPLES, 102.0)["seconds"] == 2  # no end: to the last sample
    assert summarize(SAMPLES, 101.0, 101.0)["client_hot_share"] == 1.0
    assert summarize([]) == {
        "seconds": 0, "server_cpu_pct_avg": None, "server_cpu_pct_max": None,
        "server_rss_bytes_max": None, "connections_max": None, "client_cpu_pct_avg": None,
        "client_busy_pct_avg": None, "client_hot_share": 0.0, "client_bound": False,
        "db_size_start_bytes": None, "db_size_end_bytes": None,
    }  # fmt: skip


def test_samples_read_back_skipping_a_cut_line(tmp_path):
    from arena.history.resources import read_samples

    path = tmp_path / "resources.jsonl"
    assert read_samples(path) == {}
    lines = [json.dumps(SAMPLES[1]), json.dumps({"t": 1, "instance": 7}), '{"t": 1, "ins',
             json.dumps({"t": 2}), "[1, 2]", json.dumps(SAMPLES[2])]  # fmt: skip
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\n")
    assert read_samples(path) == {"pg": [SAMPLES[1], SAMPLES[2]], "7": [{"t": 1, "instance": 7}]}
