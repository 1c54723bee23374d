"""What the correctness suites ask of an engine, in their own words: isolation levels checked
and normalised, BEGIN at a level, savepoints, lock timeouts, error kinds, constraint names,
online-DDL statements, cancelling a blocked step. The facts themselves live on the engine
(`engine.transactions`, arena/engines/transactions.py, and the Engine's hooks)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from arena.errors import ArenaError

if TYPE_CHECKING:
    from arena.engines.transactions import TransactionRules

# Kinds that end a transaction the engine chose to abort to keep isolation.
ABORT_KINDS = ("deadlock", "serialization", "lock_timeout")


def rules(engine: Any) -> TransactionRules:
    return engine.transactions


def levels(engine: Any) -> tuple[str, ...]:
    """The isolation levels the engine accepts, weakest first, as it spells them."""
    return engine.capabilities.isolation_levels


def normalise_level(text: str) -> str:
    """`read-committed`, `read_committed`, `RC`... -> `READ COMMITTED`."""
    words = " ".join(re.split(r"[\s_\-]+", text.strip().upper()))
    return {"RU": "READ UNCOMMITTED", "RC": "READ COMMITTED", "RR": "REPEATABLE READ"}.get(
        words, words
    )


def check_level(engine: Any, level: str) -> str:
    level = normalise_level(level)
    offered = levels(engine)
    if level not in offered:
        raise ArenaError(
            f"{engine.display_name} has no isolation level '{level}'.",
            f"{engine.display_name} offers: {', '.join(offered)}.",
        )
    return level


def row_lock_level(engine: Any) -> str:
    """The level for suites that test locking rather than isolation: READ COMMITTED where
    the engine has it (most engines' default), else its only level."""
    offered = levels(engine)
    return "READ COMMITTED" if "READ COMMITTED" in offered else offered[-1]


def begin_statements(engine: Any, level: str) -> list[str]:
    return [s.format(level=level) for s in rules(engine).begin]


def lock_timeout_statement(engine: Any, seconds: float) -> str | None:
    statements = engine.lock_timeout_sql(seconds)
    return "; ".join(statements) if statements else None


def savepoint(engine: Any, name: str) -> str:
    return rules(engine).savepoint.format(name=name)


def rollback_to(engine: Any, name: str) -> str:
    return rules(engine).rollback_to.format(name=name)


def classify(engine: Any, exc: BaseException) -> str:
    """The arena error kind (arena.errors.ErrorKind's value) of a driver error."""
    return str(engine.classify_error(exc))


def constraint_name(engine: Any, exc: BaseException) -> str | None:
    """The constraint the engine blamed, when it names one."""
    diag = getattr(exc, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    text = str(exc)
    for pattern in rules(engine).name_patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    return None


def migration(engine: Any, change: str, names: dict[str, str]) -> tuple[list[str], str]:
    """(statements, "") for a change, or ([], reason) when the engine has no such change."""
    spec = rules(engine).migrations[change]
    if isinstance(spec, str):
        return [], spec.removeprefix("n/a:").strip()
    return [s.format(**names) for s in spec], ""


def drop_index(engine: Any, index: str, table: str) -> str:
    return rules(engine).drop_index.format(ix=index, t=table)


def transactional_ddl(engine: Any) -> bool:
    return engine.transactional_ddl


def cancel(engine: Any, endpoint: Any, conn: Any, backend_id: Any) -> None:
    """Interrupt whatever `conn` is waiting on, from outside its thread."""
    engine.cancel_statement(endpoint, conn, backend_id)


def backend_id(engine: Any, conn: Any) -> Any:
    """The server's id for this connection (what `cancel` needs on MySQL)."""
    return engine.backend_id(conn)


__all__ = [
    "ABORT_KINDS",
    "backend_id",
    "begin_statements",
    "cancel",
    "check_level",
    "classify",
    "drop_index",
    "constraint_name",
    "levels",
    "lock_timeout_statement",
    "migration",
    "normalise_level",
    "rollback_to",
    "row_lock_level",
    "savepoint",
    "transactional_ddl",
]
