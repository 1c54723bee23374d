"""The retry policy of a workflow call, and how an abort is named. Pure: no database.

A transaction the engine aborted to keep isolation (a deadlock victim, a serialization
failure) is retried from its first step, at most `retries` times, after a jittered pause
that grows with each attempt (so two victims of one deadlock do not collide again in step).
Every other error ends the call at once. Aborts are reported by kind (the ErrorKind the
engine's classify_error gives, grouped as the issue names them)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from arena.errors import ErrorKind

RETRYABLE = frozenset({ErrorKind.DEADLOCK, ErrorKind.SERIALIZATION})
CONSTRAINT_KINDS = frozenset(
    {ErrorKind.UNIQUE, ErrorKind.FOREIGN_KEY, ErrorKind.CHECK, ErrorKind.NOT_NULL}
)
# The abort kinds a report shows, in this order.
ABORT_KINDS = ("deadlock", "serialization", "lock_timeout", "constraint", "other")
REJECTED = "rejected"  # a step's `expect` not met: the workflow's own business rollback
RETRY_PREFIX = "retry "


def abort_kind(kind: ErrorKind) -> str:
    """An ErrorKind -> the name of its abort column."""
    if kind in CONSTRAINT_KINDS:
        return "constraint"
    if kind in (ErrorKind.DEADLOCK, ErrorKind.SERIALIZATION, ErrorKind.LOCK_TIMEOUT):
        return str(kind)
    return "other"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int = 3  # retries after the first attempt
    base_s: float = 0.002  # the first pause's mean
    cap_s: float = 0.1  # no pause longer than this

    def should_retry(self, kind: ErrorKind, attempt: int) -> bool:
        """`attempt` counts from 1 (the attempt that just failed)."""
        return kind in RETRYABLE and attempt <= self.retries

    def pause(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1`: "full jitter" exponential backoff,
        uniform in [0, min(cap, base * 2**(attempt-1))] with a floor of a tenth of it."""
        ceiling = min(self.cap_s, self.base_s * (2 ** max(0, attempt - 1)))
        return ceiling * (0.1 + 0.9 * rng.random())
