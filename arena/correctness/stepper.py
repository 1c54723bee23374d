"""Drive two or three real connections through a fixed interleaving, step by step.

Each session owns a thread and a connection; the script submits one step at a time and then
waits up to `step_timeout` for every session with work in hand to finish it. A step still
running after that is recorded as "waits" (it blocks on a lock) and the script goes on with the
next step, exactly as a person typing into two psql windows would; the blocked step completes
(or fails) when the other side commits or aborts. A step given to a session that is still
blocked queues behind it. Because every wait is bounded and the order of submissions is fixed,
the same engine gives the same log on every run.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from arena.correctness import dialect
from arena.engines.base import error_text

COMMIT = "<commit>"
ROLLBACK = "<rollback>"


@dataclass
class Step:
    session: int  # 1-based: T1, T2, T3
    sql: str  # a statement, or COMMIT / ROLLBACK
    label: str = ""  # names a read whose rows a judge looks at


@dataclass
class StepResult:
    session: int
    sql: str
    label: str = ""
    status: str = "pending"  # ok | error | skipped (its transaction had already aborted)
    waited: bool = False  # still running step_timeout after it was submitted
    rows: list[tuple] | None = None
    affected: int | None = None
    error_kind: str | None = None
    error: str | None = None
    elapsed_ms: float = 0.0
    submitted: float = 0.0  # perf_counter when the script gave it to its session
    finished: float = 0.0  # perf_counter when it returned or failed
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": f"T{self.session}",
            "sql": self.sql,
            "label": self.label or None,
            "status": self.status,
            "waits": self.waited,
            "rows": [list(r) for r in self.rows] if self.rows is not None else None,
            "affected": self.affected,
            "error_kind": self.error_kind,
            "error": self.error,
        }


class Session:
    """One connection in its own thread, running steps in submission order."""

    def __init__(self, number: int, engine: Any, endpoint: Any, begin: list[str], lock_s: float):
        self.number = number
        self.engine = engine
        self.endpoint = endpoint
        self.begin = begin
        self.lock_s = lock_s
        self.conn: Any = None
        self.backend: Any = None
        self.aborted = False
        self.committed = False
        self.in_txn = False
        self.setup_error: BaseException | None = None
        self._inbox: queue.Queue[StepResult | None] = queue.Queue()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"T{number}", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self.setup_error is not None:
            raise self.setup_error

    def _run(self) -> None:
        try:
            # sqlite3 connections belong to the thread that opened them.
            self.conn = self.engine.connect(self.endpoint)
            self.backend = dialect.backend_id(self.engine, self.conn)
            statement = dialect.lock_timeout_statement(self.engine, self.lock_s)
            if statement:
                self.conn.cursor().execute(statement)
        except BaseException as exc:  # handed to the creating thread
            self.setup_error = exc
            self._ready.set()
            return
        self._ready.set()
        while (result := self._inbox.get()) is not None:
            self._execute(result)
            result.done.set()
        # Closing after a cancel may fail; nothing is left to save.
        with contextlib.suppress(Exception):
            self.conn.close()

    def submit(self, step: Step) -> StepResult:
        result = StepResult(step.session, step.sql, step.label, submitted=time.perf_counter())
        self._inbox.put(result)
        return result

    def close(self) -> None:
        self._inbox.put(None)
        self._thread.join(10)

    def _statements(self, sql: str) -> list[str]:
        fam = dialect.rules(self.engine)
        if sql == COMMIT:
            return [fam.commit]
        if sql == ROLLBACK:
            return [fam.rollback]
        return ([] if self.in_txn else self.begin) + [sql]

    def _execute(self, result: StepResult) -> None:
        if self.aborted:
            result.status = "skipped"
            return
        started = time.perf_counter()
        cur = self.conn.cursor()
        try:
            for statement in self._statements(result.sql):
                cur.execute(statement)
            self.in_txn = result.sql not in (COMMIT, ROLLBACK)
            if result.sql == COMMIT:
                self.committed = True
            if cur.description is not None:
                result.rows = sorted(tuple(r) for r in cur.fetchall())
            else:
                result.affected = cur.rowcount
            result.status = "ok"
        except dialect_errors(self.engine) as exc:
            result.status = "error"
            result.error_kind = dialect.classify(self.engine, exc)
            result.error = error_text(exc)
            self._abandon()
        finally:
            result.finished = time.perf_counter()
            result.elapsed_ms = (result.finished - started) * 1000

    def _abandon(self) -> None:
        """A failed statement ends the transaction here: the judge treats it as aborted."""
        self.aborted = True
        self.in_txn = False
        # The server may have rolled it back already (deadlock victim, lost link).
        with contextlib.suppress(Exception):
            self.conn.cursor().execute(dialect.rules(self.engine).rollback)

    def cancel(self) -> None:
        dialect.cancel(self.engine, self.endpoint, self.conn, self.backend)


def dialect_errors(engine: Any) -> tuple[type[BaseException], ...]:
    return engine.driver_errors()


@dataclass
class Run:
    """The outcome of one script: every step's result and each session's end state."""

    results: list[StepResult]
    committed: dict[int, bool]
    aborted: dict[int, bool]

    def read(self, label: str) -> dict[Any, Any] | None:
        """id -> value of a labelled read of (id, value) rows, None when it did not return."""
        for r in self.results:
            if r.label == label:
                return dict(r.rows) if r.status == "ok" and r.rows is not None else None
        raise KeyError(label)

    def step(self, label: str) -> StepResult:
        return next(r for r in self.results if r.label == label)

    @property
    def waited(self) -> bool:
        return any(r.waited for r in self.results)

    @property
    def errors(self) -> list[StepResult]:
        return [r for r in self.results if r.status == "error"]


def run_script(
    engine: Any,
    endpoint: Any,
    steps: list[Step],
    begin: list[str],
    *,
    step_timeout: float = 0.5,
    lock_timeout: float = 5.0,
) -> Run:
    """Run `steps` on fresh sessions; the engine's own lock timeout is a safety net only."""
    count = max(s.session for s in steps)
    sessions: dict[int, Session] = {}
    try:
        for n in range(1, count + 1):
            sessions[n] = Session(n, engine, endpoint, begin, lock_timeout)
        results: list[StepResult] = []
        for step in steps:
            result = sessions[step.session].submit(step)
            results.append(result)
            _settle(results, step_timeout)
        # Script done: whatever still waits gets the safety-net time, then is cancelled.
        _settle(results, lock_timeout + 2)
        for s in sessions.values():
            if any(not r.done.is_set() for r in results if r.session == s.number):
                s.cancel()
        _settle(results, 5)
        return Run(
            results,
            {n: s.committed for n, s in sessions.items()},
            {n: s.aborted for n, s in sessions.items()},
        )
    finally:
        for s in sessions.values():
            s.close()


def _settle(results: list[StepResult], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for r in results:
        if not r.done.wait(max(0.0, deadline - time.monotonic())):
            r.waited = True


__all__ = ["COMMIT", "ROLLBACK", "Run", "Session", "Step", "StepResult", "run_script"]
