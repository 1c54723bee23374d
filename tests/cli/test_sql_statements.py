"""`arena sql` runs exactly one statement on every engine: an empty text and a text holding
several statements are refused before anything runs (PostgreSQL used to run them all and show
the first result, MariaDB and SQLite refused)."""

from __future__ import annotations

import uuid

import pytest

from arena.engines import all_engines, get_engine
from arena.errors import QueryError


@pytest.mark.parametrize(
    ("engine", "sql", "count"),
    [
        ("postgres", "", 0),
        ("postgres", " ;; /* only a comment */ ;", 0),
        ("postgres", "SELECT 1", 1),
        ("postgres", "SELECT 1;", 1),
        ("postgres", "SELECT ';' AS semi; ", 1),
        ("postgres", "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$", 1),
        ("postgres", 'SELECT "a;b" FROM t', 1),
        ("postgres", "SELECT 1; SELECT 2", 2),
        ("postgres", "SELECT 1;; DROP TABLE t;", 2),
        ("mariadb", "SELECT `a;b` FROM t", 1),
        ("mariadb", "SELECT 'it\\'s; fine'", 1),
        ("mariadb", "SELECT 1; SELECT 2; SELECT 3", 3),
        ("sqlite", "-- hi\nSELECT 1 -- ; not a statement", 1),
        ("sqlite", "SELECT 1; SELECT 2", 2),
        ("sqlserver", "SELECT [a;b] FROM t", 1),
        ("postgres", "SELECT 'unterminated", 1),  # the server words that error
    ],
)
def test_statement_count(engine, sql, count):
    assert get_engine(engine).statement_count(sql) == count


def test_only_postgres_needs_to_prepare_to_refuse_several_statements():
    flagged = {e.name for e in all_engines() if e.single_statement_options}
    assert flagged == {"postgres", "supabase"}  # Supabase is PostgreSQL


@pytest.mark.integration
def test_one_statement_runs_with_or_without_a_semicolon(any_engine):
    engine, endpoint = any_engine
    assert engine.execute(endpoint, "SELECT 1 AS one;") == (["one"], [(1,)])
    assert engine.execute(endpoint, "SELECT 2 AS two") == (["two"], [(2,)])


@pytest.mark.integration
def test_several_statements_are_refused_before_any_runs(any_engine):
    engine, endpoint = any_engine
    table = engine.quote(f"never_{uuid.uuid4().hex[:8]}")
    with pytest.raises(QueryError) as err:
        engine.execute(endpoint, f"CREATE TABLE {table} (id INTEGER); SELECT 1")
    assert err.value.one_line() == (
        f"{engine.display_name} runs one statement at a time; this text holds 2, so nothing "
        "was run. Hint: Send each statement on its own."
    )
    with pytest.raises(QueryError):  # the CREATE TABLE did not run either
        engine.execute(endpoint, f"SELECT * FROM {table}")


@pytest.mark.integration
@pytest.mark.parametrize("text", ["", "   ", ";", "/* nothing */"])
def test_an_empty_text_is_refused(any_engine, text):
    engine, endpoint = any_engine
    with pytest.raises(QueryError) as err:
        engine.execute(endpoint, text)
    assert err.value.one_line().startswith("No SQL statement given: the text is empty. Hint:")
