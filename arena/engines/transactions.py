"""TransactionRules: per-engine facts of arena's correctness suites (isolation levels and how
to begin a transaction at one, savepoints, deadlock settings, constraint names in error texts,
and the DDL of each online schema change). Each engine module sets `transactions =
TransactionRules(...)`; arena/correctness/ reads `engine.transactions` and never compares
engine names. Error kinds and lock timeouts are the Engine's own (`classify_error`,
`lock_timeout_sql`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TransactionRules:
    """How an engine runs transactions and changes a live table: what arena's correctness
    suites (arena/correctness/) need beyond the Engine's own hooks."""

    # Statements that open a transaction at `{level}` (run in order on one connection).
    begin: tuple[str, ...]
    commit: str = "COMMIT"
    rollback: str = "ROLLBACK"
    # Whether writers lock rows (False: one writer at a time, so no row-order deadlock).
    row_locks: bool = True
    drop_index: str = "DROP INDEX {ix}"
    savepoint: str = "SAVEPOINT {name}"
    rollback_to: str = "ROLLBACK TO SAVEPOINT {name}"
    # "" where the engine has no RELEASE: a savepoint lives until the transaction ends.
    release_savepoint: str = "RELEASE SAVEPOINT {name}"
    # Regexes finding the constraint name in a message (first group).
    name_patterns: tuple[str, ...] = ()
    # The setting that decides when a deadlock (or a busy wait) is noticed, and how to read it.
    deadlock_setting: str = ""
    deadlock_setting_query: str | None = None
    # Online schema changes (migrations suite): change -> statements run in order, with
    # {t} the table, {parent} the FK parent, {ix} / {fk} object names; a text starting with
    # "n/a:" says why the engine has no such change.
    migrations: dict[str, tuple[str, ...] | str] = field(default_factory=dict)
