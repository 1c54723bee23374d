"""Seeding under faults and hostile input, on real servers (issue 8): Ctrl-C, impossible row
counts, a binary or mistaken seeds file, a dead server, and names full of the characters
drivers read as placeholders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from arena.engines import get_engine
from arena.seed import SeedOptions, seed
from arena.seed.config import parse_config
from arena.state import ProjectState
from tests.conftest import fresh_database, make_project_dir, run_arena

pytestmark = pytest.mark.integration


def one_line_error(result: subprocess.CompletedProcess, code: int = 2) -> str:
    """The CLI's refusal: the exit code, one line on stderr, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    return lines[0]


def count(engine, endpoint, table: str) -> int:
    return int(engine.execute(endpoint, f"SELECT COUNT(*) FROM {engine.quote(table)}")[1][0][0])


@pytest.mark.parametrize("engine_name", ["postgres", "mariadb"])
def test_ctrl_c_stops_at_once_keeps_finished_tables_and_rolls_back_the_one_in_flight(
    engine_name: str, servers: ProjectState
):
    """SIGINT once the parent table committed and the big child is streaming: exit 130
    within a second, the parent kept, the child rolled back, both reported."""
    engine = get_engine(engine_name)
    endpoint = servers.endpoint(engine_name)
    suffix = uuid.uuid4().hex[:8]
    parent, child = f"ctrlc_parent_{suffix}", f"ctrlc_child_{suffix}"
    engine.execute(endpoint, f"CREATE TABLE {parent} (id INTEGER PRIMARY KEY, name TEXT)")
    engine.execute(
        endpoint,
        f"CREATE TABLE {child} (id BIGINT PRIMARY KEY, "
        f"parent_id INTEGER NOT NULL REFERENCES {parent}(id), note TEXT, amount NUMERIC(9,2))",
    )
    config = Path(servers.root) / f"ctrlc_{suffix}.yaml"
    config.write_text(f"tables:\n  {parent}: {{rows: 1000}}\n  {child}: {{rows: 20m}}\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "arena", "seed", "--engines", engine_name, "--rows", "20001000",
         "--config", str(config), "--tables", f"{parent},{child}"],
        cwd=servers.root,
        env={**os.environ, "ARENA_PROJECT_DIR": str(servers.root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    lines: list[tuple[float, str]] = []  # (when, line) of stderr, read as it comes
    reader = threading.Thread(
        target=lambda: lines.extend((time.monotonic(), line) for line in process.stderr),
        daemon=True,
    )
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while count(engine, endpoint, parent) == 0:
            assert process.poll() is None, lines
            assert time.monotonic() < deadline, "the parent table never committed"
            time.sleep(0.1)
        time.sleep(1.0)  # the child's load is streaming now
        assert process.poll() is None, "the seed finished before it could be interrupted"
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        exited = time.monotonic() - sent
        reader.join(timeout=10)
        out = process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    err = "".join(line for _, line in lines)
    reported = next((when - sent for when, line in lines if "Interrupted" in line), None)
    print(f"{engine_name}: reported {reported} s, exited {exited:.2f} s after SIGINT")
    try:
        assert process.returncode == 130, (out, err)
        # Stopped, rolled back and reported within a second. The interpreter's own teardown
        # (freeing numpy, sqlglot, the drivers: 0.3-0.5 s measured on this shared 2-core
        # machine for the bare imports) follows; it is bounded separately.
        assert reported is not None and reported < 1.0, f"reported after {reported} s"
        assert exited < reported + 1.0, f"exited {exited:.2f} s after SIGINT"
        assert count(engine, endpoint, parent) == 1000  # committed before Ctrl-C: kept
        assert count(engine, endpoint, child) == 0  # in flight: rolled back
        assert f"{parent} kept: 1,000 rows" in out + err
        assert f"{child} cancelled" in out + err
        assert "Interrupted" in err and "Traceback" not in err
    finally:
        engine.execute(endpoint, f"DROP TABLE {child}")
        engine.execute(endpoint, f"DROP TABLE {parent}")
        config.unlink()


def test_a_row_count_that_cannot_fit_is_refused_before_anything_is_written(servers):
    engine = get_engine("sqlite")
    endpoint = servers.endpoint("sqlite")
    table = f"huge_{uuid.uuid4().hex[:8]}"
    engine.execute(endpoint, f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, body TEXT)")
    try:
        result = run_arena(
            servers.root, "seed", "--engines", "sqlite", "--rows", "1000b", "--tables", table
        )
        line = one_line_error(result)
        assert "1,000,000,000,000 rows needs about" in line and "free" in line
        assert "Hint:" in line
        assert count(engine, endpoint, table) == 0
    finally:
        engine.execute(endpoint, f"DROP TABLE {table}")


def test_a_binary_seeds_file_is_a_one_line_error(servers, tmp_path):
    binary = tmp_path / "seeds.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    line = one_line_error(run_arena(servers.root, "seed", "--config", str(binary)))
    assert "not UTF-8 text" in line and "Hint:" in line


def test_a_seeds_file_naming_a_missing_table_is_an_error_with_did_you_mean(servers):
    engine = get_engine("sqlite")
    endpoint = servers.endpoint("sqlite")
    table = f"members_{uuid.uuid4().hex[:6]}"
    engine.execute(endpoint, f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
    try:
        typo = table.replace("members", "memebrs")
        config = parse_config(f"tables:\n  {typo}: {{rows: 10}}\n")
        [result] = seed([(engine, endpoint)], SeedOptions(rows=10, config=config, tables=[table]))
        assert not result.ok and result.rows == 0
        assert f"names table '{typo}'" in result.error
        assert f"Did you mean {table}?" in result.error
        assert count(engine, endpoint, table) == 0
    finally:
        engine.execute(endpoint, f"DROP TABLE {table}")


def test_seed_on_a_dead_server_is_a_one_line_error(servers):
    """The state says postgres is up, but nothing answers on its port."""
    root = make_project_dir()
    try:
        state = ProjectState(root)
        dead = servers.endpoint("postgres").replace(port=free_port())
        state.save_endpoint(dead)
        line = one_line_error(run_arena(root, "seed", "--engines", "postgres", "--rows", "10"))
        assert "postgres does not answer" in line and "Hint:" in line
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=False)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ODD = "odd%s?:x%%"  # every character a driver may read as a placeholder


@pytest.mark.parametrize("engine_name", ["postgres", "mariadb", "sqlite"])
def test_names_with_placeholder_characters_seed_and_verify(engine_name, servers):
    with fresh_database(engine_name, servers) as (engine, endpoint):
        q = engine.quote
        parent, child = f"{ODD}parent", f"{ODD}child"
        ident = {
            "postgres": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "mysql": "BIGINT AUTO_INCREMENT PRIMARY KEY",
            "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
        }[engine.family]
        engine.execute(
            endpoint,
            f"CREATE TABLE {q(parent)} ({q('id' + ODD)} {ident}, "
            f"{q('name:' + ODD)} VARCHAR(40) NOT NULL UNIQUE, "
            f"{q('flag?')} BOOLEAN NOT NULL, {q('at%')} TIMESTAMP NULL)",
        )
        engine.execute(
            endpoint,
            f"CREATE TABLE {q(child)} ({q('id')} INTEGER PRIMARY KEY, "
            f"{q('parent' + ODD)} BIGINT NOT NULL REFERENCES {q(parent)}({q('id' + ODD)}), "
            f"{q('qty%?')} INTEGER NOT NULL CHECK ({q('qty%?')} BETWEEN 1 AND 9))",
        )
        [result] = seed([(engine, endpoint)], SeedOptions(rows=2000, seed=5))
        assert result.ok, result
        assert result.verification.counts[parent] > 0 and result.verification.counts[child] > 0
        assert all(f.orphans == 0 for f in result.verification.fks)
        bad = f"SELECT COUNT(*) FROM {q(child)} WHERE {q('qty%?')} NOT BETWEEN 1 AND 9"
        assert engine.execute(endpoint, bad)[1][0][0] == 0
        # The identity moved past the explicit ids despite the name (a driver call with
        # parameters ran after the rows were committed, and broke on the %).
        engine.execute(endpoint, f"INSERT INTO {q(parent)} ({q('name:' + ODD)}, {q('flag?')}) "
                       f"VALUES ('late', {engine.boolean_literal(True)})")  # fmt: skip
        _, rows = engine.execute(
            endpoint,
            f"SELECT MAX({q('id' + ODD)}) FROM {q(parent)} WHERE {q('name:' + ODD)} = 'late'",
        )
        assert rows[0][0] > result.verification.counts[parent]
        report = json.dumps(result.to_dict())
        assert ODD in report
