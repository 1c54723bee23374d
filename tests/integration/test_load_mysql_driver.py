"""`arena load`'s MySQL-family driver on native MariaDB: MariaDB Connector/Python (C) on the
hot path, PyMySQL when it cannot be imported or ARENA_MYSQL_DRIVER=pymysql picks it; the
driver recorded in the results; errors classified; stop, Ctrl-C and the spike shape on time.

Loads run as `python -m arena load` subprocesses (Locust patches the process it runs in).
The session tests drive MariaDBSession in this process: a user alone in its process calls
the C library directly, without gevent's hub.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import mariadb
import pytest

from arena.engines import get_engine
from arena.errors import ErrorKind
from arena.load.drivers import driver_version, error_kind, session_class
from arena.load.drivers.mysql import MySQLSession
from arena.load.drivers.mysql_mariadb import MariaDBSession, qmark
from arena.load.metrics import decode
from arena.load.operations import Operation
from tests.conftest import fresh_database, make_project_dir
from tests.integration.test_load import (
    adopt,
    arena,
    create_tables,
    load_json,
    start_arena,
    wait_for_csv_rows,
    wait_for_run_dir,
    write_mix,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def load_project(servers):
    """A project dir pointing at the session's servers (never `arena down`: not its own)."""
    root = make_project_dir("arena-load-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


MIX = """name: driver-mix
operations:
  pk_lookup accounts: 40
  range_scan accounts: 10
  update accounts: 15
  insert orders: 20
  delete orders: 10
  join orders: 5
"""

# A package named `mariadb` that fails to import, put first on PYTHONPATH: the machine as if
# Connector/Python were not installed (or its C library would not load).
BROKEN_MARIADB = "raise ImportError('libmariadb.so.3: cannot open shared object file')\n"


def env_without_mariadb(tmp_path: Path) -> dict[str, str]:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "mariadb.py").write_text(BROKEN_MARIADB)
    path = os.pathsep.join(p for p in (str(shadow), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


def load(root: Path, *args: str, env: dict[str, str] | None = None):
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        return arena(root, "load", "--engines", "mariadb", "--json", *args)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check_counts(out: dict) -> dict:
    """Every number of the run agrees: summary, histograms, per-second CSV, summary.json."""
    result = out["engines"]["mariadb"]
    assert result["status"] == "ok", result
    assert result["error_count"] == 0, result["errors"]
    folder = Path(out["path"])
    metrics = json.loads((folder / "mariadb.json").read_text())
    total = result["overall"]["count"]
    assert total > 200
    assert decode(metrics["histograms"]["overall"]).get_total_count() == total
    rows = (folder / "mariadb.csv").read_text().splitlines()[1:]
    assert sum(int(r.split(",")[2]) for r in rows) == total
    assert sum(op["count"] for op in result["operations"].values()) == total
    return result


def recorded_driver(out: dict, engine: str = "mariadb") -> tuple[str, str]:
    """(driver and version in run.json, the same in summary.json)."""
    folder = Path(out["path"])
    run = json.loads((folder / "run.json").read_text())["engines"][engine]
    summary = json.loads((folder / "summary.json").read_text())[engine]
    return (f"{run['driver']} {run['driver_version']}",
            f"{summary['driver']} {summary['driver_version']}")  # fmt: skip


@pytest.mark.parametrize(
    "where", [[], ["--workers", "2"]], ids=["users-share-a-process", "a-process-per-user"]
)
def test_the_c_driver_loads_with_exact_counts_and_is_recorded(where, servers, load_project):
    with fresh_database("mariadb", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        out = load_json(
            load(load_project, "--mix", write_mix(load_project, MIX), "--users", "2",
                 "--duration", "3s", *where)
        )  # fmt: skip
        check_counts(out)
        expected = f"mariadb {mariadb.__version__} (Connector/C {mariadb.mariadbapi_version})"
        assert recorded_driver(out) == (expected, expected)
        report = arena(load_project, "report", "--csv")
        [record] = csv.DictReader(io.StringIO(report.stdout))
        assert record["driver"] == expected


def test_pymysql_when_the_c_driver_cannot_be_imported(servers, load_project, tmp_path):
    with fresh_database("mariadb", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        mix = write_mix(load_project, MIX)
        out = load_json(
            load(load_project, "--mix", mix, "--users", "2", "--duration", "3s",
                 env=env_without_mariadb(tmp_path))
        )  # fmt: skip
        check_counts(out)
        assert recorded_driver(out)[0].startswith("pymysql ")
        # ...and the same fallback chosen by name, on a machine that has both.
        out = load_json(
            load(load_project, "--mix", mix, "--users", "2", "--duration", "3s",
                 "--workers", "2", env={"ARENA_MYSQL_DRIVER": "pymysql"})
        )  # fmt: skip
        check_counts(out)
        assert recorded_driver(out)[1].startswith("pymysql ")


@pytest.mark.parametrize(
    "value, env_of, message",
    [
        ("mysqlclient", None, "ARENA_MYSQL_DRIVER=mysqlclient is not a load driver for MariaDB"),
        ("mariadb", env_without_mariadb, "the mariadb package cannot be imported"),
    ],
    ids=["unknown-driver", "driver-not-installed"],
)
def test_a_driver_that_cannot_serve_is_refused_before_the_load(
    value, env_of, message, servers, load_project, tmp_path
):
    with fresh_database("mariadb", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        env = {"ARENA_MYSQL_DRIVER": value, **(env_of(tmp_path) if env_of else {})}
        result = load(load_project, "--mix", write_mix(load_project, MIX), "--duration", "2s",
                      env=env)  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Hint:" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not (load_project / ".arena" / "results").exists()  # nothing started


@pytest.mark.parametrize("shape", ["spike", "ramp"])
def test_the_c_driver_stops_at_its_duration(shape, servers, load_project):
    """Users added and removed mid-run (some killed while a call runs in a pool thread), and
    one user per process calling the library directly: the run still ends on time."""
    with fresh_database("mariadb", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        for where in ([], ["--workers", "2"]):
            started = time.monotonic()
            out = load_json(
                load(load_project, "--mix", write_mix(load_project, MIX), "--shape", shape,
                     "--users", "4", "--duration", "3s", *where)
            )  # fmt: skip
            wall = time.monotonic() - started
            assert out["engines"]["mariadb"]["status"] == "ok"
            run = json.loads((Path(out["path"]) / "run.json").read_text())
            elapsed = run["engines"]["mariadb"]["elapsed_s"]
            assert 3.0 <= elapsed < 4.5, (where, elapsed)
            assert wall < 40, (where, wall)


def test_ctrl_c_stops_the_c_driver_cleanly(servers, load_project):
    with fresh_database("mariadb", servers) as (engine, endpoint):
        create_tables(engine, endpoint)
        adopt(load_project, endpoint)
        mix = write_mix(load_project, "operations: {pk_lookup accounts: 100}\n")
        proc = start_arena(load_project, "load", "--engines", "mariadb", "--mix", mix,
                           "--users", "2", "--workers", "2", "--duration", "60s")  # fmt: skip
        folder = wait_for_run_dir(load_project)
        wait_for_csv_rows(folder / "mariadb.csv", 2)
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert time.monotonic() - began < 15
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr
        run = json.loads((folder / "run.json").read_text())
        assert run["status"] == "interrupted"
        assert run["engines"]["mariadb"]["driver"] == "mariadb"
        metrics = json.loads((folder / "mariadb.json").read_text())
        assert metrics["summary"]["overall"]["count"] > 0


# -- the session itself, against the server -------------------------------------------------


def op(kind: str, sql: str, **flags) -> Operation:
    return Operation(f"{kind} t", kind, "t", sql, (), **flags)


@pytest.fixture
def table(servers):
    with fresh_database("mariadb", servers) as (engine, endpoint):
        engine.execute(endpoint, "CREATE TABLE t (id bigint AUTO_INCREMENT PRIMARY KEY, "
                       "v int NOT NULL, UNIQUE KEY t_v (v))")  # fmt: skip
        engine.execute(endpoint, "INSERT INTO t (v) VALUES (1), (2)")
        yield engine, endpoint


def test_the_session_reads_rows_returns_keys_and_classifies_errors(table):
    engine, endpoint = table
    assert session_class(engine, "mariadb") is MariaDBSession
    assert session_class(engine, "pymysql") is MySQLSession
    session = MariaDBSession(engine, endpoint)
    try:
        insert = op("insert", "INSERT INTO t (v) VALUES (%s)", key_from_lastrowid=True)
        key = session.run(insert, (10,))
        assert isinstance(key, int) and key > 2
        returning = op("insert", "INSERT INTO t (v) VALUES (%s) RETURNING id", returns_key=True)
        assert session.run(returning, (11,)) == key + 1
        with pytest.raises(mariadb.IntegrityError) as caught:
            session.run(insert, (10,))  # duplicate key
        assert engine.classify_error(caught.value) == ErrorKind.UNIQUE
        assert error_kind(caught.value) == "IntegrityError (1062)"  # as PyMySQL names it
        assert not session.broken
        # After a failed statement, other statements on the same connection (a prepared
        # cursor that switched statements crashed the process then, Connector/Python 1.1.14).
        select = op("pk_lookup", "SELECT v FROM t WHERE id = %s AND 'x%%' LIKE 'x%%'")
        assert session.run(select, (key,)) is None
        update = op("update", "UPDATE t SET v = v + 100 WHERE id = %s")
        assert session.run(update, (key,)) is None
        assert engine.execute(endpoint, f"SELECT v FROM t WHERE id = {key}")[1] == [(110,)]
    finally:
        session.close()


def statement_counts(session: MariaDBSession) -> dict[str, int]:
    """The server's count of prepares and executes on the session's own connection (read
    through its plain text-protocol cursor, which counts as neither)."""
    _, rows, _, _ = session.execute("SHOW SESSION STATUS LIKE %s", ("Com_stmt_%",))
    return {name: int(value) for name, value in rows}


def test_a_statement_is_prepared_once_and_executed_after(table):
    engine, endpoint = table
    session = MariaDBSession(engine, endpoint)
    try:
        select = op("pk_lookup", "SELECT v FROM t WHERE id = %s")
        session.run(select, (1,))
        before = statement_counts(session)
        for i in range(200):
            assert session.run(select, (1 + i % 2,)) is None
        after = statement_counts(session)
        assert after["Com_stmt_execute"] - before["Com_stmt_execute"] == 200
        assert after["Com_stmt_prepare"] == before["Com_stmt_prepare"]
        # The control: the driver's prepared cursor used as is prepares on every execute
        # (Connector/Python 1.1), so the count above can see a statement prepared again.
        cur = session.conn.cursor(prepared=True, binary=True)
        for i in range(20):
            cur.execute("SELECT v FROM t WHERE id = ?", (1 + i % 2,))
            cur.fetchall()
        control = statement_counts(session)
        assert control["Com_stmt_prepare"] - after["Com_stmt_prepare"] >= 20
        cur.close()
        # A failed execute (duplicate key) prepares afresh; the same statement then works,
        # and so does one whose table changed under it.
        insert = op("insert", "INSERT INTO t (v) VALUES (%s)", key_from_lastrowid=True)
        key = session.run(insert, (20,))
        with pytest.raises(mariadb.IntegrityError):
            session.run(insert, (20,))
        again = session.run(insert, (21,))  # the failed insert used up a key
        assert again > key
        assert engine.execute(endpoint, f"SELECT v FROM t WHERE id = {again}")[1] == [(21,)]
        engine.execute(endpoint, "ALTER TABLE t ADD COLUMN w int NOT NULL DEFAULT 7")
        engine.execute(endpoint, "UPDATE t SET v = 5 WHERE id = 1")
        assert session.run(op("pk_lookup", "SELECT * FROM t WHERE id = %s"), (1,)) is None
        assert session.run(select, (1,)) is None
        _, rows, _, _ = session.execute("SELECT v, w FROM t WHERE id = %s", (1,))
        assert rows == [(5, 7)]
    finally:
        session.close()


def test_pymysql_in_a_user_thread_uses_a_blocking_socket_and_sees_a_lost_connection(table):
    """`arena load` makes a PyMySQL session in the user's own OS thread: its socket is the
    standard library's blocking one (drivers/mysql.py), made without gevent's hub."""
    engine, endpoint = table
    outcome: dict = {}

    def user() -> None:
        session = MySQLSession(engine, endpoint)
        try:
            outcome["socket"] = type(session.conn._sock)
            select = op("pk_lookup", "SELECT v FROM t WHERE id = %s")
            outcome["rows"] = session.run(op("x", "SELECT v FROM t ORDER BY id"), ())
            try:
                session.run(op("insert", "INSERT INTO t (v) VALUES (%s)"), (1,))
            except Exception as exc:  # noqa: BLE001  inspected below
                outcome["duplicate"] = exc
            engine.execute(endpoint, f"KILL CONNECTION {int(session.conn.thread_id())}")
            try:
                session.run(select, (1,))
            except Exception as exc:  # noqa: BLE001  inspected below
                outcome["lost"] = exc
            outcome["broken"] = session.broken
        finally:
            session.close()

    thread = threading.Thread(target=user)
    thread.start()
    thread.join(timeout=30)
    assert outcome["socket"] is socket.socket
    # In a process Locust has patched, where the two kinds differ: gevent's socket on the
    # hub's thread, the blocking one in a real thread.
    probe = (
        "import locust, json, os\n"
        "from gevent.monkey import get_original\n"
        "from arena.engines import get_engine\n"
        "from arena.models import Endpoint\n"
        "from arena.load.drivers.mysql import MySQLSession\n"
        "ep = Endpoint.from_dict(json.loads(os.environ['ENDPOINT']))\n"
        "engine = get_engine('mariadb')\n"
        "kinds, done = [], get_original('_thread', 'allocate_lock')()\n"
        "def make():\n"
        "    s = MySQLSession(engine, ep); kinds.append(type(s.conn._sock).__module__); s.close()\n"
        "make(); done.acquire()\n"
        "get_original('_thread', 'start_new_thread')(lambda: (make(), done.release()), ())\n"
        "done.acquire(); print(json.dumps(kinds))\n"
    )
    env = {**os.environ, "ENDPOINT": json.dumps(endpoint.to_dict())}  # not on a command line
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == ["gevent._socket3", "socket"]
    assert outcome["rows"] is None  # rows are read, no key asked for
    assert engine.classify_error(outcome["duplicate"]) == ErrorKind.UNIQUE
    assert engine.classify_error(outcome["lost"]) == ErrorKind.CONNECTION_LOST
    assert outcome["broken"]


def test_lock_timeout_and_deadlock_are_classified(table):
    engine, endpoint = table
    holder = engine.connect(endpoint, autocommit=False)
    session = MariaDBSession(engine, endpoint)
    try:
        holder.cursor().execute("SELECT v FROM t WHERE id = 1 FOR UPDATE")
        session.run(op("custom", engine.lock_timeout_sql(1)[0]), ())
        with pytest.raises(mariadb.Error) as caught:
            session.run(op("update", "UPDATE t SET v = v + 10 WHERE id = %s"), (1,))
        assert engine.classify_error(caught.value) == ErrorKind.LOCK_TIMEOUT
        assert error_kind(caught.value).endswith("(1205)") and not session.broken
    finally:
        holder.rollback()
        holder.close()
        session.close()

    # Two C-driver transactions locking two rows in opposite orders: one is the victim.
    def connect():
        ep = endpoint
        return mariadb.connect(host=ep.host, port=ep.port, user=ep.user, password=ep.password,
                               database=ep.database, autocommit=False)  # fmt: skip

    a, b = connect(), connect()
    failures: list[BaseException] = []

    def lock(conn, first: int, second: int, gate: threading.Barrier) -> None:
        cur = conn.cursor(prepared=True)
        try:
            cur.execute("UPDATE t SET v = v + 1000 WHERE id = ?", (first,))
            gate.wait(timeout=10)
            cur.execute("UPDATE t SET v = v + 1000 WHERE id = ?", (second,))
        except mariadb.Error as exc:
            failures.append(exc)
        finally:
            conn.rollback()

    gate = threading.Barrier(2)
    threads = [threading.Thread(target=lock, args=(c, x, y, gate)) for c, x, y in
               ((a, 1, 2), (b, 2, 1))]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    a.close()
    b.close()
    assert len(failures) == 1, failures
    assert engine.classify_error(failures[0]) == ErrorKind.DEADLOCK
    assert error_kind(failures[0]).endswith("(1213)")


def test_a_killed_connection_is_broken_and_classified_as_lost(table):
    engine, endpoint = table
    session = MariaDBSession(engine, endpoint)
    try:
        select = op("pk_lookup", "SELECT v FROM t WHERE id = %s")
        session.run(select, (1,))
        engine.execute(endpoint, f"KILL CONNECTION {int(session.conn.thread_id)}")
        with pytest.raises(mariadb.Error) as caught:
            session.run(select, (1,))
        assert engine.classify_error(caught.value) == ErrorKind.CONNECTION_LOST
        assert session.broken
    finally:
        session.close()


def test_placeholders_and_the_recorded_label():
    assert qmark("SELECT a FROM t WHERE b = %s AND c LIKE 'x%%' AND d = %s") == (
        "SELECT a FROM t WHERE b = ? AND c LIKE 'x%' AND d = ?"
    )
    engine = get_engine("mariadb")
    assert driver_version(engine, "pymysql").startswith("1.")
    assert driver_version(engine, "mariadb").startswith(f"{mariadb.__version__} (Connector/C ")


@pytest.mark.docker
def test_the_c_driver_loads_the_docker_mysql_stand_in(project, docker_client):
    """`mysql` on docker (the mysql:8.4 tag is MariaDB's stand-in here, its real version is
    reported): one user per worker process on the C driver, recorded as such."""
    root = project.root
    up = arena(root, "up", "mysql", "--runtime", "docker")
    assert up.returncode == 0, up.stderr
    engine, endpoint = get_engine("mysql"), project.endpoint("mysql")
    create_tables(engine, endpoint)
    out = load_json(
        arena(root, "load", "--engines", "mysql", "--mix", write_mix(root, MIX), "--users", "2",
              "--workers", "2", "--duration", "3s", "--json")
    )  # fmt: skip
    result = out["engines"]["mysql"]
    assert result["status"] == "ok" and result["error_count"] == 0, result
    assert result["overall"]["count"] > 200
    run = json.loads((Path(out["path"]) / "run.json").read_text())
    assert run["engines"]["mysql"]["runtime"] == "docker"
    assert recorded_driver(out, "mysql")[0].startswith(f"mariadb {mariadb.__version__} ")
