"""`arena load`'s orchestration: prepare every engine, then load them one by one (or all at
once with --parallel) on one cluster each, and always finish the run with a status.

Roles live apart: Locust glue (glue.py), topologies (cluster.py local, master.py workers,
worker.py), target preparation (prepare.py), the per-second monitor (monitor.py).
"""

from __future__ import annotations

import signal
import socket
import sys
import time
from dataclasses import dataclass

import gevent

from arena.engines.base import error_text
from arena.errors import ArenaError
from arena.load import glue  # noqa: F401  (Locust first: it monkey-patches the process)
from arena.load.cluster import Cluster, LocalCluster
from arena.load.config import LoadConfig
from arena.load.live import LiveView, Snapshot
from arena.load.monitor import OUTCOMES, answers, run_engine
from arena.load.prepare import LoadTarget, prepare_targets
from arena.load.results import EngineOutcome, RunFolder
from arena.load.web import keep_web_open, web_url
from arena.runtime.base import free_port
from arena.state import ProjectState

WEB_PORT = 8089  # Locust's own default; the next free one per parallel engine


@dataclass
class RunReport:
    run_id: str
    path: str
    results: list[EngineOutcome]
    interrupted: bool = False
    status: str = "done"  # "done" | "failed" (an engine failed) | "interrupted"


def run_load(
    names: list[str],
    config: LoadConfig,
    state: ProjectState | None = None,
    live: bool = False,
    run_id: str | None = None,
) -> RunReport:
    """Load every named engine (every engine up when none is named) with the same shape, mix
    and operation seed. Returns when all are done; every engine's outcome is recorded and
    run.json always ends with a status. KeyboardInterrupt becomes an "interrupted" report
    after results are flushed."""
    state = state or ProjectState()
    targets = prepare_targets(names, config, state)
    folder = RunFolder(state, run_id)  # run_id: the recorder's (arena/history/recorder.py)
    folder.write_run(
        config=config.describe(),
        started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        engine_order=[t.name for t in targets],
    )
    for t in targets:
        folder.engine_update(
            t.name, status="waiting", version=t.version, runtime=t.endpoint.runtime,
            limits=t.endpoint.limits, driver=t.driver,
            driver_version=t.driver_version, engine_name=t.engine.name,
            settings=t.endpoint.settings,  # effective, as read back from the server at `up`
        )  # fmt: skip
    OUTCOMES.clear()
    interrupted = False
    # Ctrl-C raised wherever the interpreter happens to be would kill a user greenlet (with
    # a traceback); deliver it to this greenlet, which stops the users and flushes results.
    sigint = gevent.signal_handler(
        signal.SIGINT, gevent.kill, gevent.getcurrent(), KeyboardInterrupt
    )
    crashed: BaseException | None = None
    with LiveView([t.name for t in targets], live and not config.web) as view:
        try:
            if config.parallel:
                _run_parallel(targets, config, folder, view)
            else:
                _run_sequential(targets, config, folder, view)
        except KeyboardInterrupt:
            interrupted = True
        except Exception as exc:  # a bug: still record what was measured, then raise it
            crashed = exc
        finally:
            sigint.cancel()
    results = [OUTCOMES.get(t.name) or EngineOutcome(t.name, "not run") for t in targets]
    drivers = {t.name: {"driver": t.driver, "driver_version": t.driver_version} for t in targets}
    summary = {
        r.engine: {
            "status": r.status,
            "message": r.message,
            **drivers[r.engine],
            **r.summary,
        }
        for r in results
    }
    folder.write_summary(summary)
    status = "interrupted" if interrupted else "done"
    if crashed is not None or any(r.status == "failed" for r in results):
        status = "failed"
    folder.write_run(status=status, ended_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    if crashed is not None:
        raise crashed
    return RunReport(folder.run_id, str(folder.path), results, interrupted, status)


def make_cluster(config: LoadConfig, index: int = 0) -> Cluster:
    web_port = _web_port(index) if config.web else None
    if web_port:
        # Locust's web UI re-parses sys.argv with its own parser on every page load
        # (argument_parser.ui_extra_args_dict); arena's options would fail there.
        sys.argv = sys.argv[:1]
    if config.workers or config.remote_workers or web_port:
        # --web alone: the users go to one worker process and the UI stays in this one, which
        # only aggregates; serving a page in the users' process stalled them (issue 14).
        from arena.load.master import MasterCluster

        cluster: Cluster = MasterCluster(config, web_port)
    else:
        cluster = LocalCluster()
    if web_port:
        from arena import console

        # on stderr: --json keeps stdout machine-readable
        console.info(f"Locust web UI: {web_url(cluster)}", err=True)
    return cluster


def _web_port(index: int) -> int:
    port = WEB_PORT + index
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def _run_sequential(
    targets: list[LoadTarget], config: LoadConfig, folder: RunFolder, view: LiveView
) -> None:
    cluster = make_cluster(config)
    try:
        for target in targets:
            _run_guarded(cluster, target, config, folder, view)
        keep_web_open([cluster])
    finally:
        cluster.close()


def _run_guarded(
    cluster: Cluster, target: LoadTarget, config: LoadConfig, folder: RunFolder, view: LiveView
) -> None:
    """One engine; whatever keeps it from starting (its server gone since it was prepared, a
    worker that cannot reach it) is recorded as its outcome, and the others go on."""
    try:
        run_engine(cluster, target, config, folder, view)
    except ArenaError as exc:
        _record(target, "failed", exc.one_line(), folder, view)
    except Exception as exc:  # the driver's own error classes, whatever the engine
        if answers(target):
            _record(target, "failed", f"{type(exc).__name__}: {error_text(exc)}", folder, view)
        else:
            message = (
                f"{target.name} stopped answering at {target.endpoint.address} before its "
                f"turn ({error_text(exc)}); the run went on without it"
            )
            _record(target, "died", message, folder, view)


def _record(
    target: LoadTarget, status: str, message: str, folder: RunFolder, view: LiveView
) -> None:
    OUTCOMES[target.name] = EngineOutcome(target.name, status, message)
    folder.engine_update(target.name, status=status, message=message)
    view.update(Snapshot(target.name, status))


def _run_parallel(
    targets: list[LoadTarget], config: LoadConfig, folder: RunFolder, view: LiveView
) -> None:
    clusters = [make_cluster(config, i) for i in range(len(targets))]
    greenlets = [
        gevent.spawn(_run_guarded, c, t, config, folder, view)
        for c, t in zip(clusters, targets, strict=True)
    ]
    try:
        gevent.joinall(greenlets, raise_error=True)
        keep_web_open(clusters)
    except KeyboardInterrupt:
        gevent.killall(greenlets, exception=KeyboardInterrupt, block=True, timeout=30)
        raise
    finally:
        for cluster in clusters:
            cluster.close()
