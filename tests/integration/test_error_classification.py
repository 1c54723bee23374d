"""classify_error on real servers: each error kind provoked for real on PostgreSQL, MariaDB and
SQLite, one and two connections at a time, and a negative control for each (a statement that
fails for another reason must not be read as that kind).

SQL Server cannot run here; its classification is tested as data in
tests/unit/test_engine_dialect.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from arena.errors import ErrorKind

pytestmark = pytest.mark.integration

ENGINES = ["postgres", "mariadb", "sqlite"]

SETUP = [
    "CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL UNIQUE)",
    "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, qty INT CHECK (qty > 0),"
    " FOREIGN KEY (parent_id) REFERENCES parent (id))",
    "INSERT INTO parent VALUES (1, 'a'), (2, 'b')",
    "INSERT INTO child VALUES (1, 1, 5)",
]

# One statement each, run on the tables above: what it must be classified as.
SINGLE = [
    ("INSERT INTO parent VALUES (3, 'a')", ErrorKind.UNIQUE),
    ("INSERT INTO parent VALUES (1, 'z')", ErrorKind.UNIQUE),  # primary key
    ("INSERT INTO child VALUES (2, 99, 1)", ErrorKind.FOREIGN_KEY),  # no such parent
    ("DELETE FROM parent WHERE id = 1", ErrorKind.FOREIGN_KEY),  # still referenced
    ("INSERT INTO child VALUES (3, 1, 0)", ErrorKind.CHECK),
    ("INSERT INTO child VALUES (4, NULL, 1)", ErrorKind.NOT_NULL),
    ("UPDATE parent SET code = NULL WHERE id = 2", ErrorKind.NOT_NULL),
    ("SELEC id FROM parent", ErrorKind.SYNTAX),
    # negative controls: failures of other kinds are OTHER, not a constraint or syntax
    ("SELECT nope FROM parent", ErrorKind.OTHER),
    ("SELECT * FROM no_such_table", ErrorKind.OTHER),
]

# How a session waits at most ~0.1-1 s for a lock (MariaDB's minimum is 1 s).
SHORT_LOCK_WAIT = {
    "postgres": "SET lock_timeout = '200ms'",
    "mariadb": "SET SESSION innodb_lock_wait_timeout = 1",
    "sqlite": "PRAGMA busy_timeout = 200",
}


def setup(engine, endpoint) -> None:
    for statement in SETUP:
        engine.execute(endpoint, statement)


def failure(engine, run: Callable[[], object]) -> ErrorKind:
    """Run `run`, which must fail with a driver error; return its classification."""
    try:
        run()
    except engine.driver_errors() as exc:
        return engine.classify_error(exc)
    pytest.fail("the statement succeeded; it was meant to fail")


def begin(engine, endpoint, **options):
    """A connection in autocommit mode with an explicit transaction open."""
    conn = engine.connect(endpoint, **options)
    conn.cursor().execute("BEGIN")
    return conn


@pytest.mark.parametrize("fresh", ENGINES, indirect=True)
def test_single_statement_errors_are_classified(fresh):
    engine, endpoint = fresh
    setup(engine, endpoint)
    conn = engine.connect(endpoint)
    try:
        found = []
        for statement, _ in SINGLE:
            found.append((statement, failure(engine, lambda s=statement: conn.cursor().execute(s))))
    finally:
        conn.close()
    assert found == [(statement, kind) for statement, kind in SINGLE]


@pytest.mark.parametrize("fresh", ENGINES, indirect=True)
def test_a_short_lock_wait_is_a_lock_timeout(fresh):
    engine, endpoint = fresh
    setup(engine, endpoint)
    holder = begin(engine, endpoint)
    waiter = engine.connect(endpoint)
    try:
        holder.cursor().execute("UPDATE parent SET code = 'x' WHERE id = 1")
        waiter.cursor().execute(SHORT_LOCK_WAIT[engine.name])
        waiter.cursor().execute("BEGIN")
        started = time.monotonic()
        kind = failure(engine, lambda: waiter.cursor().execute(
            "UPDATE parent SET code = 'y' WHERE id = 1"
        ))  # fmt: skip
        waited = time.monotonic() - started
    finally:
        holder.close()
        waiter.close()
    assert kind == ErrorKind.LOCK_TIMEOUT
    assert waited < 10, "the short lock wait was not what ended the statement"


@pytest.mark.parametrize("fresh", ["postgres", "mariadb"], indirect=True)
def test_two_sessions_locking_in_opposite_order_deadlock(fresh):
    engine, endpoint = fresh
    setup(engine, endpoint)
    first, second = begin(engine, endpoint), begin(engine, endpoint)
    kinds: list[ErrorKind] = []

    def update(conn, row: int) -> None:
        try:
            conn.cursor().execute(f"UPDATE parent SET code = 'd{row}' WHERE id = {row}")
        except engine.driver_errors() as exc:
            kinds.append(engine.classify_error(exc))

    try:
        update(first, 1)
        update(second, 2)
        crossing = threading.Thread(target=update, args=(first, 2))
        crossing.start()
        update(second, 1)  # whichever order the two waits start in, one is the victim
        second.cursor().execute("ROLLBACK")
        crossing.join(timeout=30)
        first.cursor().execute("ROLLBACK")
    finally:
        first.close()
        second.close()
    assert kinds == [ErrorKind.DEADLOCK]


@pytest.mark.parametrize("fresh", ["sqlite"], indirect=True)
def test_sqlite_reports_a_lock_cycle_as_busy_at_once(fresh):
    """SQLite has no deadlock error: a reader that would wait on a writer waiting on it gets
    SQLITE_BUSY at once, without the busy timeout (https://www.sqlite.org/c3ref/busy_handler.html)."""
    engine, endpoint = fresh
    setup(engine, endpoint)
    reader = begin(engine, endpoint)
    writer = begin(engine, endpoint, check_same_thread=False)  # it commits in a thread
    committed = threading.Event()
    try:
        reader.cursor().execute("SELECT * FROM parent").fetchall()
        writer.cursor().execute("UPDATE parent SET code = 'w' WHERE id = 2")

        def commit() -> None:  # waits for the reader's shared lock to go
            writer.cursor().execute("COMMIT")
            committed.set()

        committing = threading.Thread(target=commit)
        committing.start()
        time.sleep(0.2)  # let the writer reach its wait (a race here only slows the test)
        started = time.monotonic()
        kind = failure(engine, lambda: reader.cursor().execute(
            "UPDATE parent SET code = 'r' WHERE id = 1"
        ))  # fmt: skip
        waited = time.monotonic() - started
        reader.cursor().execute("ROLLBACK")
        committing.join(timeout=30)
    finally:
        reader.close()
        writer.close()
    assert kind == ErrorKind.LOCK_TIMEOUT
    assert waited < 5, "SQLite waited out its busy timeout: that was not the lock cycle"
    assert committed.is_set()


@pytest.mark.parametrize("fresh", ["postgres"], indirect=True)
def test_postgres_serializable_conflict_is_a_serialization_failure(fresh):
    engine, endpoint = fresh
    setup(engine, endpoint)
    first, second = engine.connect(endpoint), engine.connect(endpoint)
    try:
        engine.set_isolation(first, "SERIALIZABLE")
        first.cursor().execute("BEGIN")
        first.cursor().execute("SELECT code FROM parent WHERE id = 1").fetchall()
        second.cursor().execute("UPDATE parent SET code = 's' WHERE id = 1")  # commits
        kind = failure(engine, lambda: first.cursor().execute(
            "UPDATE parent SET code = 'f' WHERE id = 1"
        ))  # fmt: skip
        first.cursor().execute("ROLLBACK")
        level = first.cursor().execute("SHOW transaction_isolation").fetchone()[0]
    finally:
        first.close()
        second.close()
    assert kind == ErrorKind.SERIALIZATION
    assert level == "serializable"


@pytest.mark.parametrize("fresh", ["postgres"], indirect=True)
def test_postgres_read_committed_does_not_fail_the_same_schedule(fresh):
    """Negative control for the test above: the error comes from the isolation level."""
    engine, endpoint = fresh
    setup(engine, endpoint)
    first, second = engine.connect(endpoint), engine.connect(endpoint)
    try:
        engine.set_isolation(first, "READ COMMITTED")
        first.cursor().execute("BEGIN")
        first.cursor().execute("SELECT code FROM parent WHERE id = 1").fetchall()
        second.cursor().execute("UPDATE parent SET code = 's' WHERE id = 1")
        first.cursor().execute("UPDATE parent SET code = 'f' WHERE id = 1")
        first.cursor().execute("COMMIT")
    finally:
        first.close()
        second.close()
    assert engine.execute(endpoint, "SELECT code FROM parent WHERE id = 1")[1] == [("f",)]


@pytest.mark.parametrize("fresh", ["sqlite"], indirect=True)
def test_sqlite_stale_wal_snapshot_is_a_serialization_failure(fresh):
    engine, endpoint = fresh
    setup(engine, endpoint)
    engine.execute(endpoint, "PRAGMA journal_mode = WAL")
    reader, other = begin(engine, endpoint), engine.connect(endpoint)
    try:
        reader.cursor().execute("SELECT code FROM parent").fetchall()
        other.cursor().execute("UPDATE parent SET code = 's' WHERE id = 1")  # commits
        kind = failure(engine, lambda: reader.cursor().execute(
            "UPDATE parent SET code = 'f' WHERE id = 2"
        ))  # fmt: skip
    finally:
        reader.close()
        other.close()
    assert kind == ErrorKind.SERIALIZATION


# How one session ends another's (its id read by the query on the left).
KILL = {
    "postgres": ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend({id})"),
    "mariadb": ("SELECT CONNECTION_ID()", "KILL {id}"),
}


@pytest.mark.parametrize("fresh", ["postgres", "mariadb"], indirect=True)
def test_a_killed_session_is_a_lost_connection(fresh):
    engine, endpoint = fresh
    victim = engine.connect(endpoint)
    try:
        own_id, kill = KILL[engine.name]
        cur = victim.cursor()
        cur.execute(own_id)
        engine.execute(endpoint, kill.format(id=cur.fetchone()[0]))
        first = failure(engine, lambda: victim.cursor().execute("SELECT 1"))
        again = failure(engine, lambda: victim.cursor().execute("SELECT 1"))
    finally:
        victim.close()
    assert (first, again) == (ErrorKind.CONNECTION_LOST, ErrorKind.CONNECTION_LOST)


@pytest.mark.parametrize("fresh", ["sqlite"], indirect=True)
def test_sqlite_closed_connection_is_a_lost_connection(fresh):
    engine, endpoint = fresh
    conn = engine.connect(endpoint)
    conn.close()
    assert failure(engine, lambda: conn.execute("SELECT 1")) == ErrorKind.CONNECTION_LOST


# The session's isolation level as the server reports it, and how it spells a level.
SESSION_LEVEL = {
    "postgres": ("SHOW transaction_isolation", str.lower),
    "mariadb": ("SELECT @@SESSION.tx_isolation", lambda level: level.replace(" ", "-")),
}


@pytest.mark.parametrize("fresh", ["postgres", "mariadb"], indirect=True)
def test_every_isolation_level_is_set_for_the_session(fresh):
    engine, endpoint = fresh
    query, spelled = SESSION_LEVEL[engine.name]
    conn = engine.connect(endpoint)
    try:
        levels = []
        for level in engine.capabilities.isolation_levels:
            engine.set_isolation(conn, level)
            cur = conn.cursor()
            cur.execute(query)
            levels.append(cur.fetchone()[0])
    finally:
        conn.close()
    assert levels == [spelled(level) for level in engine.capabilities.isolation_levels]
