"""The results store: idempotent import of run folders, corrupt folders skipped and named, a
results.db from a newer arena refused in one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from arena.history.folder import CorruptRunFolder
from arena.history.store import SCHEMA_VERSION, NewerStoreError, ResultsStore, open_store


def write_load_folder(results: Path, run_id: str, tps: float = 1000.0) -> Path:
    folder = results / run_id
    folder.mkdir(parents=True)
    run = {"run_id": run_id, "status": "done", "started_at": run_id[5:], "engine_order": ["sqlite"],
           "config": {"mix": {"name": "m"}, "seed": 7, "max_users": 2},
           "engines": {"sqlite": {"version": "3.40", "runtime": "embedded", "driver": "sqlite3",
                                  "status": "ok", "limits": {}}}}  # fmt: skip
    overall = {"count": 100, "p50_us": 10, "p95_us": 20, "p99_us": 30, "p99_9_us": 40, "max_us": 50}
    summary = {"sqlite": {"status": "ok", "overall": overall, "throughput_per_s": tps,
                          "error_count": 0, "operations": {"pk_lookup t": {**overall,
                          "throughput_per_s": tps}}}}  # fmt: skip
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "sqlite.json").write_text(json.dumps({"histograms": {}, "summary": {}}))
    rows = "\n".join(f"{i}.5,2,{tps:.0f},0,{tps + i},10,20,30,50," for i in range(6))
    (folder / "sqlite.csv").write_text("elapsed_s,users,ops,errors,tps,p50_us,p95_us,p99_us,"
                                       "max_us,lag_p99_us\n" + rows + "\n")  # fmt: skip
    return folder


def count(store: ResultsStore, table: str) -> int:
    return store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_import_is_idempotent_and_keeps_noise_samples(tmp_path):
    folder = write_load_folder(tmp_path / "results", "load-20260101-000000-aaaa")
    with ResultsStore(tmp_path / "results.db") as store:
        store.import_run_folder(folder)
        before = {t: count(store, t) for t in ("runs", "environments", "metrics")}
        store.import_run_folder(folder)
        assert {t: count(store, t) for t in before} == before == {
            "runs": 1, "environments": 1, "metrics": 13}  # fmt: skip
        [tps] = [m for m in store.metrics(folder.name) if m.name == "ops_per_s"
                 and m.scope == "overall"]  # fmt: skip
        # the steady seconds only: the first and last per-second rows are dropped
        assert tps.samples == [1001.0, 1002.0, 1003.0, 1004.0]
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_corrupt_folder_is_skipped_and_named_and_the_others_import(tmp_path):
    results = tmp_path / "results"
    write_load_folder(results, "load-20260101-000000-aaaa")
    bad = write_load_folder(results, "load-20260102-000000-bbbb")
    (bad / "summary.json").write_text("{not json")
    store, synced = open_store(tmp_path)
    with store:
        assert synced.imported == ["load-20260101-000000-aaaa"]
        [skipped] = synced.skipped
        assert isinstance(skipped, CorruptRunFolder)
        assert "load-20260102-000000-bbbb" in skipped.one_line()
        assert "summary.json" in skipped.one_line()
        assert store.run_ids() == ["load-20260101-000000-aaaa"]
    # unchanged folders are not re-read
    store, synced = open_store(tmp_path)
    with store:
        assert synced.imported == []


def test_a_store_from_a_newer_arena_is_a_one_line_error_and_is_left_alone(tmp_path):
    path = tmp_path / "results.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(NewerStoreError, match="newer arena") as err:
        ResultsStore(path)
    assert "\n" not in err.value.one_line()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    db.close()


def test_a_bench_folder_imports_each_case_with_its_repeats(tmp_path):
    folder = tmp_path / "results" / "bench-20260101-000000-cccc"
    folder.mkdir(parents=True)
    run = {"run_id": folder.name, "kind": "bench", "status": "done", "subject": "payments",
           "engines": {"sqlite": "3.40", "postgres": "16"}, "options": {"seed": 42}}  # fmt: skip
    row = {"category": "query", "case": "point", "scale": 200, "engine": "sqlite",
           "samples_s": [0.010, 0.012, 0.011], "summary": {"median": 0.011}}  # fmt: skip
    na = {**row, "engine": "postgres", "na": "not supported", "summary": {}}
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "bench.json").write_text(json.dumps([row, na]))
    with ResultsStore(tmp_path / "results.db") as store:
        store.import_run_folder(folder)
        assert store.run(folder.name)["workload"] == "bench payments"
        assert store.run(folder.name)["engines"] == "sqlite,postgres"
        # no started_at in a bench run.json: the run id's timestamp orders it
        assert store.run(folder.name)["started_at"] == "2026-01-01T00:00:00"
        [metric] = store.metrics(folder.name)
        assert (metric.scope, metric.name, metric.value) == ("query/point@200", "median_s", 0.011)
        assert metric.samples == [0.010, 0.012, 0.011]
        assert set(store.environments(folder.name)) == {"sqlite", "postgres"}
    assert (tmp_path / "results.db").stat().st_mode & 0o777 == 0o600
