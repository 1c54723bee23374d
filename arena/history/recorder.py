"""One recording API for every command that measures (seed, load, bench, `arena run`): the
run goes into `.arena/results.db` as it starts, metrics as they come, and its run folder
(.arena/results/<run-id>/) holds the same in files, so the store can be rebuilt from them.

    with recording("run", sys.argv, targets, workload="run ecommerce") as rec:
        with rec.sampling(targets):     # resources once a second; client-bound judgement
            ...
        rec.metric(target.name, "ops_per_s", 1234.5)

Files the recorder writes in the folder: recording.json (command line, pid, status, per
instance environment and resources, attachments), metrics.json (rec.metric values),
resources.jsonl (the sampler). A command's own files (run.json, <instance>.json/.csv,
bench.json) stay its own. See /work/wt/notes/recorder-api.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from arena import __version__, console
from arena.history import environment
from arena.history.folder import CorruptRunFolder
from arena.history.resources import read_samples, summarize
from arena.history.sampler import Sampler
from arena.history.store import ResultsStore
from arena.run_folder import new_run_id, write_json
from arena.state import ProjectState


class LocustCpuWarning(logging.Filter):
    """Locust's root-logger "CPU usage above 90%!" (with its URL) becomes arena's
    client-bound marking: the record is dropped and noted."""

    MARKERS = ("CPU usage above", "exceeded cpu threshold", "CPU usage threshold was exceeded",
               "CPU usage was too high")  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage() if record.args else str(record.msg)
        if any(marker in text for marker in self.MARKERS):
            self.seen += 1
            return False
        return True


class Recorder:
    def __init__(self, kind: str, argv: list[str], targets: list[Any], state: ProjectState,
                 workload: str | None, config: dict[str, Any] | None) -> None:  # fmt: skip
        self.kind = kind
        self.state = state
        # what existed before this run: a run refused before measuring leaves no trace
        self.created = [d for d in (state.dir, state.dir / "results", state.dir / "results.db")
                        if not d.exists()]  # fmt: skip
        self.run_id = new_run_id(kind)
        self.path = state.ensure_dir("results", self.run_id)
        self.metrics: list[dict[str, Any]] = []
        self.client_bound: dict[str, bool] = {}
        self.locust_cpu_warnings = 0
        self.doc: dict[str, Any] = {
            "run_id": self.run_id, "kind": kind, "argv": ["arena", *list(argv)[1:]], "pid": os.getpid(),
            "status": "running", "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "ended_at": None, "workload": workload or kind, "config": config or {},
            "arena_version": __version__, "instances": {}, "attachments": {},
        }  # fmt: skip
        for target in targets:
            self.doc["instances"][target.name] = environment.describe(target)
        self._write()
        self.store = ResultsStore(state.dir / "results.db")
        self.store.record_start(self.doc, str(self.path))

    def _write(self) -> None:
        write_json(self.path / "recording.json", self.doc)

    # -- what a command calls --------------------------------------------------------------
    def metric(self, instance: str, name: str, value: float, scope: str = "overall",
               better: str = "higher", samples: list[float] | None = None) -> None:  # fmt: skip
        row = {"instance": instance, "scope": scope, "name": name, "value": float(value),
               "better": better, "samples": [float(s) for s in samples or []]}  # fmt: skip
        self.metrics = [m for m in self.metrics
                        if (m["instance"], m["scope"], m["name"]) != (instance, scope, name)]  # fmt: skip
        self.metrics.append(row)
        write_json(self.path / "metrics.json", self.metrics)
        self.store.record_metric(self.run_id, row)

    def histogram(self, instance: str, scope: str, encoded: str) -> None:
        self.doc.setdefault("histograms", {}).setdefault(instance, {})[scope] = encoded
        self._write()

    def result(self, instance: str, **fields: Any) -> None:
        self.doc["instances"].setdefault(instance, {}).update(fields)
        self._write()

    def set(self, **fields: Any) -> None:
        """Run-level fields: workload, config, seed, rows..."""
        self.doc.update(fields)
        self._write()

    def attach(self, key: str, value: Any) -> None:
        self.doc["attachments"][key] = value
        self._write()

    @contextlib.contextmanager
    def sampling(self, targets: list[Any]) -> Iterator[None]:
        """Resources once a second in a separate process, and Locust's CPU warning turned
        into the client-bound marking, while the measured part runs."""
        flt = LocustCpuWarning()
        logging.getLogger().addFilter(flt)
        sampler = Sampler(targets, self.path / "resources.jsonl")
        try:
            yield
        finally:
            sampler.stop()
            logging.getLogger().removeFilter(flt)
            self.locust_cpu_warnings += flt.seen
            self._judge(targets)

    def _judge(self, targets: list[Any]) -> None:
        samples = read_samples(self.path / "resources.jsonl")
        windows = self._windows()
        for target in targets:
            name = target.name
            start, end = windows.get(name, (None, None))
            summary = summarize(samples.get(name, []), start, end)
            if target.endpoint.runtime == "embedded":
                # the engine runs inside the load generator: its CPU is the engine's own work
                summary["client_bound"] = False
                summary["note"] = "embedded: engine and load generator share the process"
            self.doc["instances"].setdefault(name, {})["resources"] = summary
            self.client_bound[name] = bool(summary["client_bound"])
        self.doc["client_bound"] = sorted(n for n, b in self.client_bound.items() if b)
        self.doc["locust_cpu_warnings"] = self.locust_cpu_warnings
        self._write()

    def _windows(self) -> dict[str, tuple[float, float]]:
        """Per instance, the wall-clock span of its load (run.json of a load run)."""
        out = {}
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            run = json.loads((self.path / "run.json").read_text())
            for name, meta in (run.get("engines") or {}).items():
                if meta.get("started_wall") and meta.get("elapsed_s") is not None:
                    start = float(meta["started_wall"])
                    out[name] = (start, start + float(meta["elapsed_s"]))
        return out

    def resources(self) -> dict[str, dict[str, Any]]:
        return {n: (i or {}).get("resources") or {} for n, i in self.doc["instances"].items()}

    def warn_client_bound(self) -> None:
        for name, res in self.resources().items():
            if res.get("client_bound"):
                console.warn(client_bound_message(name, res))

    # -- the end -------------------------------------------------------------------------
    def refused(self) -> bool:
        """Nothing was measured: the command refused its input before starting (the folder
        holds only the recorder's own files, and no metric or attachment was recorded)."""
        files = {p.name for p in self.path.iterdir()}
        return (
            not self.metrics
            and not self.doc["attachments"]
            and files <= {"recording.json", "resources.jsonl"}
        )

    def discard(self) -> None:
        """Remove every trace of a refused run: its row, its folder, and whatever it created."""
        self.store.delete_run(self.run_id)
        self.store.close()
        shutil.rmtree(self.path, ignore_errors=True)
        for made in reversed(self.created):
            if made.name == "results.db":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{made}{suffix}").unlink(missing_ok=True)
            else:
                with contextlib.suppress(OSError):
                    made.rmdir()  # only when empty

    def finish(self, status: str) -> None:
        self.doc["status"] = status
        self.doc["ended_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if not (self.path / "run.json").exists():
            write_json(self.path / "run.json", {"run_id": self.run_id, "kind": self.kind,
                                                "status": status})  # fmt: skip
        self._write()
        try:
            self.store.import_run_folder(self.path)
        except CorruptRunFolder as exc:  # the command's own files are broken: say so, keep
            console.warn(exc.one_line())
        finally:
            self.store.close()


def client_bound_message(name: str, res: dict[str, Any]) -> str:
    """The client-bound warning with the numbers it comes from."""
    busy, cpu = res.get("client_busy_pct_avg"), res.get("client_cpu_pct_avg")
    detail = f"busy {busy:.0f}% on average" if busy is not None else ""
    if busy is not None and cpu is not None:
        detail += f" (on a CPU {cpu:.0f}%, waiting for one {max(busy - cpu, 0):.0f}%)"
    share = 100 * float(res.get("client_hot_share") or 0)
    return (
        f"{name}: CLIENT-BOUND: the load generator was {detail}, above 90% in {share:.0f}% of "
        f"the seconds: these numbers measure arena, not {name}. Add --workers (one per core), "
        "use fewer --users, or a machine with idle cores."
    )


def status_for(exc: BaseException | None) -> str:
    if exc is None:
        return "done"
    if isinstance(exc, KeyboardInterrupt) or getattr(exc, "exit_code", None) == 130:
        return "interrupted"
    from arena.errors import ArenaError

    if isinstance(exc, ArenaError):
        return "failed"
    return "crashed"


@contextlib.contextmanager
def recording(kind: str, argv: list[str], targets: list[Any], *, workload: str | None = None,
              config: dict[str, Any] | None = None,
              state: ProjectState | None = None) -> Iterator[Recorder]:  # fmt: skip
    rec = Recorder(kind, argv, targets, state or ProjectState(), workload, config)
    try:
        yield rec
    except BaseException as exc:
        status = status_for(exc)
        if status == "failed" and rec.refused():
            rec.discard()
        else:
            rec.finish(status)
        raise
    rec.finish("done")
