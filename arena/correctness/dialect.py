"""Engine-specific facts the correctness suites need, as one per-family table.

TO BE FOLDED INTO arena/engines/ AT MERGE: issue 9 gives the Engine `classify_error(exc)` and
`isolation_sql(level)`; every function here takes the engine and reads `FAMILIES[engine.family]`
so replacing this module by Engine methods is a mechanical change in one place. Nothing else
in arena/correctness/ looks at a family name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from arena.errors import ArenaError

# The error kinds a failed statement is classified into (issue 9's ErrorKind values).
ERROR_KINDS = (
    "unique", "foreign_key", "check", "not_null", "deadlock", "serialization",
    "lock_timeout", "connection_lost", "syntax", "other",
)  # fmt: skip
# Kinds that end a transaction the engine chose to abort to keep isolation.
ABORT_KINDS = ("deadlock", "serialization", "lock_timeout")


@dataclass(frozen=True)
class Family:
    """What one SQL family does differently for transactions, locks and errors."""

    # Isolation levels the engine accepts, weakest first, spelled as the engine spells them.
    levels: tuple[str, ...]
    # Statements that open a transaction at `{level}` (run in order on one connection).
    begin: tuple[str, ...]
    commit: str = "COMMIT"
    rollback: str = "ROLLBACK"
    # Session setup: the engine's own lock-wait timeout in seconds ({seconds}), or None.
    lock_timeout: str | None = None
    # Whether writers lock rows (False: one writer at a time, so no row-order deadlock).
    row_locks: bool = True
    # Whether DDL runs inside a transaction and rolls back with it.
    transactional_ddl: bool = True
    drop_index: str = "DROP INDEX {ix}"
    savepoint: str = "SAVEPOINT {name}"
    rollback_to: str = "ROLLBACK TO SAVEPOINT {name}"
    # SQLSTATE / errno -> kind; message patterns -> kind (checked in order).
    codes: dict[str, str] = field(default_factory=dict)
    patterns: tuple[tuple[str, str], ...] = ()
    # Regexes finding the constraint name in a message (first group).
    name_patterns: tuple[str, ...] = ()
    # The setting that decides when a deadlock (or a busy wait) is noticed, and how to read it.
    deadlock_setting: str = ""
    deadlock_setting_query: str | None = None
    # Online schema changes (migrations suite): change -> statements run in order, with
    # {t} the table, {parent} the FK parent, {ix} / {fk} object names; a text starting with
    # "n/a:" says why the engine has no such change.
    migrations: dict[str, tuple[str, ...] | str] = field(default_factory=dict)


FAMILIES: dict[str, Family] = {
    "postgres": Family(
        levels=("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"),
        begin=("BEGIN ISOLATION LEVEL {level}",),
        lock_timeout="SET lock_timeout = '{seconds}s'",
        codes={
            "23505": "unique",
            "23503": "foreign_key",
            "23514": "check",
            "23502": "not_null",
            "40P01": "deadlock",
            "40001": "serialization",
            "55P03": "lock_timeout",
            "42601": "syntax",
            "57P01": "connection_lost",
        },  # fmt: skip
        patterns=(("^08", "connection_lost"),),
        deadlock_setting="deadlock_timeout",
        deadlock_setting_query="SHOW deadlock_timeout",
        migrations={
            "add nullable column": ("ALTER TABLE {t} ADD COLUMN c_nullable INT",),
            "add column with default": (
                "ALTER TABLE {t} ADD COLUMN c_default INT NOT NULL DEFAULT 7",
            ),
            "add index": ("CREATE INDEX CONCURRENTLY {ix} ON {t} (balance)",),
            "change column type": ("ALTER TABLE {t} ALTER COLUMN balance TYPE BIGINT",),
            # The online recipe: add unchecked (brief lock), then validate (no write lock).
            "add foreign key": (
                "ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY (account) REFERENCES {parent} (id) NOT VALID",
                "ALTER TABLE {t} VALIDATE CONSTRAINT {fk}",
            ),
            "drop column": ("ALTER TABLE {t} DROP COLUMN c_nullable",),
        },
    ),
    "mysql": Family(
        levels=("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"),
        # SET TRANSACTION applies to the next transaction only, so it precedes the START.
        begin=("SET TRANSACTION ISOLATION LEVEL {level}", "START TRANSACTION"),
        lock_timeout="SET SESSION innodb_lock_wait_timeout = {seconds}",
        transactional_ddl=False,  # every DDL statement commits implicitly
        drop_index="DROP INDEX {ix} ON {t}",
        codes={
            "1062": "unique",
            "1586": "unique",
            "1451": "foreign_key",
            "1452": "foreign_key",
            "1216": "foreign_key",
            "1217": "foreign_key",
            "3819": "check",
            "4025": "check",
            "1048": "not_null",
            "1364": "not_null",
            "1213": "deadlock",
            "1205": "lock_timeout",
            "1020": "serialization",
            "1064": "syntax",
            "2006": "connection_lost",
            "2013": "connection_lost",
            "2003": "connection_lost",
        },  # fmt: skip
        name_patterns=(
            r"CONSTRAINT `([^`]+)`",
            r"for key '(?:[^']*\.)?([^'.]+)'",
            r"Check constraint '([^']+)'",
            r"Column '([^']+)' cannot be null",
            r"Field '([^']+)' doesn't have a default",
        ),
        deadlock_setting="innodb_deadlock_detect",
        deadlock_setting_query="SELECT @@innodb_deadlock_detect",
        migrations={
            "add nullable column": (
                "ALTER TABLE {t} ADD COLUMN c_nullable INT, ALGORITHM=INSTANT",
            ),
            "add column with default": (
                "ALTER TABLE {t} ADD COLUMN c_default INT NOT NULL DEFAULT 7, ALGORITHM=INSTANT",
            ),
            "add index": (
                "ALTER TABLE {t} ADD INDEX {ix} (balance), ALGORITHM=INPLACE, LOCK=NONE",
            ),
            # A type change rebuilds the table (COPY): writes wait for it.
            "change column type": ("ALTER TABLE {t} MODIFY balance BIGINT NOT NULL",),
            "add foreign key": (
                "ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY (account) REFERENCES {parent} (id)",
            ),
            "drop column": ("ALTER TABLE {t} DROP COLUMN c_nullable",),
        },
    ),
    "sqlite": Family(
        # One writer at a time; readers in WAL mode see a snapshot: serializable only.
        levels=("SERIALIZABLE",),
        begin=("BEGIN",),
        row_locks=False,
        lock_timeout="PRAGMA busy_timeout = {millis}",
        codes={"SQLITE_BUSY_SNAPSHOT": "serialization", "SQLITE_BUSY": "lock_timeout"},
        patterns=(
            ("UNIQUE constraint failed", "unique"),
            ("FOREIGN KEY constraint failed", "foreign_key"),
            ("CHECK constraint failed", "check"),
            ("NOT NULL constraint failed", "not_null"),
            ("database is locked", "lock_timeout"),
            ("syntax error", "syntax"),
        ),
        name_patterns=(
            r"CHECK constraint failed: (\S+)",
            r"(?:UNIQUE|NOT NULL) constraint failed: (\S+)",
        ),
        deadlock_setting="busy_timeout",
        deadlock_setting_query="PRAGMA busy_timeout",
        migrations={
            "add nullable column": ("ALTER TABLE {t} ADD COLUMN c_nullable INT",),
            "add column with default": (
                "ALTER TABLE {t} ADD COLUMN c_default INT NOT NULL DEFAULT 7",
            ),
            "add index": ("CREATE INDEX {ix} ON {t} (balance)",),
            "change column type": "n/a: SQLite has no ALTER COLUMN TYPE (it takes a table rebuild)",
            "add foreign key": "n/a: SQLite cannot add a constraint to an existing table",
            "drop column": ("ALTER TABLE {t} DROP COLUMN c_nullable",),
        },
    ),
    "sqlserver": Family(
        levels=(
            "READ UNCOMMITTED",
            "READ COMMITTED",
            "REPEATABLE READ",
            "SNAPSHOT",
            "SERIALIZABLE",
        ),  # fmt: skip
        begin=("SET TRANSACTION ISOLATION LEVEL {level}", "BEGIN TRANSACTION"),
        commit="COMMIT TRANSACTION",
        rollback="ROLLBACK TRANSACTION",
        lock_timeout="SET LOCK_TIMEOUT {millis}",
        savepoint="SAVE TRANSACTION {name}",
        drop_index="DROP INDEX {ix} ON {t}",
        rollback_to="ROLLBACK TRANSACTION {name}",
        codes={
            "2627": "unique",
            "2601": "unique",
            "515": "not_null",
            "1205": "deadlock",
            "3960": "serialization",
            "1222": "lock_timeout",
            "102": "syntax",
        },  # fmt: skip
        patterns=(("FOREIGN KEY constraint", "foreign_key"), ("CHECK constraint", "check")),
        name_patterns=(r'constraint "([^"]+)"', r"constraint '([^']+)'"),
        deadlock_setting="DEADLOCK_PRIORITY",
        migrations={
            "add nullable column": ("ALTER TABLE {t} ADD c_nullable INT",),
            "add column with default": ("ALTER TABLE {t} ADD c_default INT NOT NULL DEFAULT 7",),
            "add index": ("CREATE INDEX {ix} ON {t} (balance) WITH (ONLINE = ON)",),
            "change column type": ("ALTER TABLE {t} ALTER COLUMN balance BIGINT NOT NULL",),
            "add foreign key": (
                "ALTER TABLE {t} WITH NOCHECK ADD CONSTRAINT {fk} FOREIGN KEY (account) REFERENCES {parent} (id)",
                "ALTER TABLE {t} WITH CHECK CHECK CONSTRAINT {fk}",
            ),
            "drop column": ("ALTER TABLE {t} DROP COLUMN c_nullable",),
        },
    ),
}


def family(engine: Any) -> Family:
    return FAMILIES[engine.family]


def levels(engine: Any) -> tuple[str, ...]:
    return family(engine).levels


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
    return [s.format(level=level) for s in family(engine).begin]


def lock_timeout_statement(engine: Any, seconds: float) -> str | None:
    template = family(engine).lock_timeout
    if template is None:
        return None
    # InnoDB takes whole seconds (minimum 1).
    return template.format(seconds=max(1, round(seconds)), millis=int(seconds * 1000))


def savepoint(engine: Any, name: str) -> str:
    return family(engine).savepoint.format(name=name)


def rollback_to(engine: Any, name: str) -> str:
    return family(engine).rollback_to.format(name=name)


def error_code(exc: BaseException) -> str:
    """The engine's own code: errno (PyMySQL, which also fills a coarser SQLSTATE), SQLSTATE
    (psycopg), error name (sqlite3)."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return str(args[0])
    for attr in ("sqlstate", "sqlite_errorname"):
        value = getattr(exc, attr, None)
        if value:
            return str(value)
    return ""


def classify(engine: Any, exc: BaseException) -> str:
    """One of ERROR_KINDS for a driver error raised by `engine`."""
    fam = family(engine)
    code = error_code(exc)
    if code in fam.codes:
        return fam.codes[code]
    text = str(exc)
    for pattern, kind in fam.patterns:
        if re.search(pattern, code) if pattern.startswith("^") else pattern in text:
            return kind
    if code.startswith("42") or "syntax" in text.lower():
        return "syntax"
    return "other"


def constraint_name(engine: Any, exc: BaseException) -> str | None:
    """The constraint the engine blamed, when it names one."""
    diag = getattr(exc, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    text = str(exc)
    for pattern in family(engine).name_patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    return None


def migration(engine: Any, change: str, names: dict[str, str]) -> tuple[list[str], str]:
    """(statements, "") for a change, or ([], reason) when the engine has no such change."""
    spec = family(engine).migrations[change]
    if isinstance(spec, str):
        return [], spec.removeprefix("n/a:").strip()
    return [s.format(**names) for s in spec], ""


def drop_index(engine: Any, index: str, table: str) -> str:
    return family(engine).drop_index.format(ix=index, t=table)


def transactional_ddl(engine: Any) -> bool:
    return family(engine).transactional_ddl


def cancel(engine: Any, endpoint: Any, conn: Any, backend_id: Any) -> None:
    """Interrupt whatever `conn` is waiting on, from outside its thread."""
    kind = engine.family
    if kind == "postgres":
        conn.cancel()
    elif kind == "sqlite":
        conn.interrupt()
    elif kind == "mysql" and backend_id is not None:
        killer = engine.connect(endpoint)
        try:
            killer.cursor().execute(f"KILL QUERY {int(backend_id)}")
        finally:
            killer.close()


def backend_id(engine: Any, conn: Any) -> Any:
    """The server's id for this connection (what `cancel` needs on MySQL)."""
    if engine.family == "mysql":
        return conn.thread_id()
    return None


__all__ = [
    "ABORT_KINDS",
    "ERROR_KINDS",
    "FAMILIES",
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
