"""The cms, social and project scenario suites on real PostgreSQL, MariaDB and SQLite.

Each suite gets a fresh database per engine on the session's servers, its domain schema
applied and seeded by arena itself (`derived:` makes the seeded rows satisfy the suite's
invariants). Then: every workflow commits on every engine; a short concurrent run (`arena
run`, 4 users) keeps every invariant; and every invariant flags data corrupted by hand (its
negative control), inside a transaction rolled back afterwards.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from arena import domains
from arena.scenarios.invariants import check_all
from arena.scenarios.render import compile_invariant
from arena.scenarios.suite import load_suite
from arena.seed.runner import SeedOptions, seed
from arena.state import ProjectState
from arena.targets import Target
from tests.conftest import fresh_database, make_project_dir, run_arena

SUITES = ("cms", "social", "project")
ENGINES = ("postgres", "mariadb", "sqlite")
ROWS = 2500
CALLS_PER_WORKFLOW = 40

Pair = tuple[Any, Any]  # (engine, endpoint)


@pytest.fixture(scope="module")
def seeded(servers: ProjectState) -> Iterator[Callable[[str, str], Pair]]:
    """(suite, engine name) -> a fresh database with the suite's domain applied and seeded,
    made on first use and dropped when the module ends."""
    made: dict[tuple[str, str], Pair] = {}
    with contextlib.ExitStack() as stack:

        def get(suite: str, engine_name: str) -> Pair:
            if (suite, engine_name) not in made:
                pair = stack.enter_context(fresh_database(engine_name, servers, f"arena_{suite}"))
                domains.apply(suite, *pair)
                result = seed([pair], SeedOptions(rows=ROWS, seed=11))[0]
                assert result.error is None, result.error
                assert any("derived values made consistent" in n for n in result.notes)
                made[suite, engine_name] = pair
            return made[suite, engine_name]

        yield get


def target(pair: Pair) -> Target:
    engine, endpoint = pair
    return Target(engine, endpoint, version=endpoint.version)


def prepared(suite_name: str, pair: Pair):
    from arena.scenarios.prepare import prepare_target

    # Refuses to start (InvariantViolatedError) when seeded data breaks an invariant.
    return prepare_target(load_suite(suite_name), target(pair), [], None)


# -- every workflow commits on every engine -------------------------------------------------
@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("suite_name", SUITES)
def test_every_workflow_commits(seeded, suite_name: str, engine_name: str) -> None:
    from arena.load import drivers
    from arena.load.workload import read_pools
    from arena.scenarios.executor import ABORTED, COMMITTED, Executor, ParamMaker
    from arena.scenarios.retry import RetryPolicy

    pair = seeded(suite_name, engine_name)
    engine, endpoint = pair
    st = prepared(suite_name, pair)
    assert not [w.name for w in st.workflows if w.not_applicable]  # none is n/a here
    tables = {p.table for w in st.workflows for p in w.workflow.params if p.table}
    session = drivers.open_session(engine, endpoint)
    try:
        pools, _ = read_pools(engine, session.conn, st.schema, tables)
        params = ParamMaker(pools, f"wf{engine_name}", engine.scenario_binds_decimal)
        executor = Executor(engine, st.level, RetryPolicy(3),
                            drivers.session_class(engine).errors(engine))  # fmt: skip
        rng = random.Random(5)
        outcomes: dict[str, list[str]] = {}
        for workflow in st.workflows:
            seen = outcomes.setdefault(workflow.name, [])
            for _ in range(CALLS_PER_WORKFLOW):
                values = params.make(workflow.workflow.params, rng)
                outcome = executor.call(session, workflow, values, rng, time.sleep)
                assert outcome.status != ABORTED, (workflow.name, outcome.kind, outcome.message)
                seen.append(outcome.status)
                if outcome.status == COMMITTED:
                    break
    finally:
        session.close()
    never = [name for name, seen in outcomes.items() if COMMITTED not in seen]
    assert not never, f"{engine_name}: never committed in {CALLS_PER_WORKFLOW} calls: {never}"
    assert _violated(suite_name, pair) == []


def test_moderation_queue_skips_locked_rows_where_the_engine_can() -> None:
    """SKIP LOCKED where the engine has row locks; SQLite (one writer at a time, no row
    locks) runs the plain query, which is correct there: the workflow is not n/a anywhere."""
    from arena.engines import get_engine
    from arena.scenarios.render import compile_workflow

    workflow = next(w for w in load_suite("cms").workflows if w.name == "moderate_next")
    for name in ENGINES:
        engine = get_engine(name)
        compiled = compile_workflow(workflow, engine, None)
        assert not compiled.not_applicable
        claim = compiled.steps[0].sql.upper()
        assert ("SKIP LOCKED" in claim) == engine.capabilities.skip_locked, (name, claim)
        assert ("FOR UPDATE" in claim) == engine.transactions.row_locks, (name, claim)


# -- a short concurrent run keeps every invariant -------------------------------------------
@pytest.mark.parametrize("suite_name", SUITES)
def test_concurrent_run_keeps_invariants(seeded, suite_name: str) -> None:
    """`arena run SUITE --users 4` for a few seconds on the three engines one after another
    (a project whose endpoints are this suite's databases): every engine ok, every
    invariant checked before, during and after and never violated."""
    root = make_project_dir("arena-suite-")
    state = ProjectState(root)
    for name in ENGINES:
        state.save_endpoint(seeded(suite_name, name)[1])
    done = run_arena(root, "run", suite_name, "--users", "4", "--duration", "3s", "--json",
                     timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert set(report["engines"]) == set(ENGINES)
    for name, result in report["engines"].items():
        assert result["status"] == "ok", (name, result["message"])
        assert result["totals"]["commits"] > 0, name
        assert not result["not_applicable"], name
        for inv, r in result["invariants"].items():
            assert r["ok"], (name, inv, r)
            assert r["checks"]["before"] == 1 and r["checks"]["after"] == 1, (name, inv)
        o = result["overall"]
        print(f"{suite_name} {name}: {result['throughput_per_s']:.1f} tx/s, p99 "
              f"{o['p99_us'] / 1000:.1f} ms, commits {result['totals']['commits']}, "
              f"rejected {result['totals']['rejected']}, retries {result['totals']['retries']}, "
              f"aborts {result['totals']['aborts']}")  # fmt: skip


# -- the invariants catch a real race ------------------------------------------------------
def test_unlocked_counter_update_is_caught_where_writers_interleave(servers) -> None:
    """social's deliberately unsafe follow (counter read, then written back plus one, no
    lock) on a hot user: at read committed PostgreSQL and MariaDB lose increments and the run
    fails on follower_count_matches_edges; SQLite (one writer at a time) keeps it."""
    root = make_project_dir("arena-suite-race-")
    state = ProjectState(root)
    with contextlib.ExitStack() as stack:
        for name in ENGINES:
            pair = stack.enter_context(fresh_database(name, servers, "arena_race"))
            domains.apply("social", *pair)
            assert seed([pair], SeedOptions(rows=ROWS, seed=11))[0].error is None
            state.save_endpoint(pair[1])
        done = run_arena(root, "run", "social", "--workflows", "follow_unlocked,unfollow",
                         "--users", "4", "--duration", "3s", "--json", timeout=300)  # fmt: skip
    assert done.returncode == 3, done.stderr[-2000:]  # a run that went but failed
    engines = json.loads(done.stdout)["engines"]
    for name in ("postgres", "mariadb"):
        counter = engines[name]["invariants"]["follower_count_matches_edges"]
        assert engines[name]["status"] == "failed" and not counter["ok"], (name, counter)
        assert counter["violations"]["after"] > 0 and counter["sample"], name
    assert engines["sqlite"]["status"] == "ok", engines["sqlite"]["message"]
    assert all(r["ok"] for r in engines["sqlite"]["invariants"].values())


# -- the differential check: the same calls leave the same tables everywhere ---------------
@pytest.mark.parametrize("suite_name", SUITES)
def test_deterministic_run_is_equal_on_all_engines(servers, suite_name: str) -> None:
    """200 identical workflow calls (`--deterministic`) on freshly seeded, identical data:
    every table's checksum equal on PostgreSQL, MariaDB and SQLite."""
    root = make_project_dir("arena-suite-diff-")
    state = ProjectState(root)
    with contextlib.ExitStack() as stack:
        for name in ENGINES:
            pair = stack.enter_context(fresh_database(name, servers, f"arena_diff_{suite_name}"))
            domains.apply(suite_name, *pair)
            assert seed([pair], SeedOptions(rows=ROWS, seed=11))[0].error is None
            state.save_endpoint(pair[1])
        done = run_arena(root, "run", suite_name, "--users", "1", "--deterministic",
                         "--calls", "200", "--json", timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["equal"] and not report["differences"], report["differences"][:3]
    committed = [
        sum(n for call, n in e["outcomes"].items() if call.endswith(": committed"))
        for e in report["engines"].values()
    ]
    assert len(committed) == 3 and min(committed) >= 150, committed


# -- conflicting parallel edits are detected ------------------------------------------------
@pytest.mark.parametrize("engine_name", ENGINES)
def test_edit_on_a_stale_revision_is_rejected(seeded, engine_name: str) -> None:
    """Two editors load revision N; the first saves N+1; the second's save, still based on
    N, changes nothing (edit_article's version check), so no edit is lost silently."""
    pair = seeded("cms", engine_name)
    engine, endpoint = pair
    st = prepared("cms", pair)
    edit = next(w for w in st.workflows if w.name == "edit_article")
    save = edit.steps[1]  # the guarded UPDATE
    assert "current_revision" in save.sql
    conn = engine.connect(endpoint)
    try:
        cur = conn.cursor()
        article = _one(engine, cur, "SELECT id FROM articles ORDER BY id")
        cur.execute(f"SELECT current_revision FROM articles WHERE id = {article}")
        base = cur.fetchall()[0][0]
        values = {"article": article, "base": base, "title": "First save", "note": "first"}
        cur.execute(save.sql, tuple(values[n] for n in save.params))
        assert cur.rowcount == 1
        values |= {"title": "Second save", "note": "second"}
        cur.execute(save.sql, tuple(values[n] for n in save.params))
        assert cur.rowcount == 0  # stale base: the workflow is rejected at this step
        cur.execute(f"SELECT title, current_revision FROM articles WHERE id = {article}")
        assert cur.fetchall()[0] == ("First save", base + 1)
        # Put the article back as it was, with its revision pointer (the invariants hold).
        for column in ("title", "body"):
            cur.execute(f"UPDATE articles SET current_revision = {base}, {column} = (SELECT "
                        f"r.{column} FROM revisions r WHERE r.article_id = {article} AND "
                        f"r.revision_no = {base}) WHERE id = {article}")  # fmt: skip
    finally:
        conn.close()
    assert _violated("cms", pair) == []


# -- negative controls: every invariant flags data corrupted by hand ------------------------
def _one(engine: Any, cur: Any, select: str) -> Any:
    cur.execute(engine.limit(select, 1))
    rows = cur.fetchall()
    assert rows, select
    return rows[0] if len(rows[0]) > 1 else rows[0][0]


def _social(engine, cur) -> dict[str, list[str]]:
    user = _one(engine, cur, "SELECT id FROM users ORDER BY id")
    thread, sender = _one(engine, cur, "SELECT thread_id, sender_id FROM messages ORDER BY id")
    message, outsider = _one(
        engine, cur,
        "SELECT m.id, u.id FROM messages m, users u WHERE NOT EXISTS (SELECT 1 FROM "
        "thread_members tm WHERE tm.thread_id = m.thread_id AND tm.user_id = u.id) "
        "ORDER BY m.id, u.id",
    )  # fmt: skip
    return {
        "no_self_follow": [
            f"INSERT INTO follows (follower_id, followee_id) VALUES ({user}, {user})"
        ],
        "follower_count_matches_edges": [
            f"UPDATE users SET follower_count = follower_count + 1 WHERE id = {user}"
        ],
        "following_count_matches_edges": [
            f"UPDATE users SET following_count = following_count + 2 WHERE id = {user}"
        ],
        "message_count_matches": [
            f"UPDATE threads SET message_count = message_count + 1 WHERE id = {thread}"
        ],
        "senders_are_members": [
            f"DELETE FROM thread_members WHERE thread_id = {thread} AND user_id = {sender}"
        ],
        "receipts_only_for_members": [
            f"INSERT INTO message_reads (message_id, user_id) VALUES ({message}, {outsider})"
        ],
    }


def _cms(engine, cur) -> dict[str, list[str]]:
    article = _one(engine, cur, "SELECT id FROM articles ORDER BY id")
    comment = _one(engine, cur, "SELECT id FROM comments ORDER BY id")
    child, other = _one(
        engine, cur,
        "SELECT a.id, b.id FROM comments a, comments b WHERE a.article_id <> b.article_id "
        "ORDER BY a.id, b.id",
    )  # fmt: skip
    return {
        "published_have_published_at": [
            f"UPDATE articles SET status = 'published', published_at = NULL WHERE id = {article}"
        ],
        "revision_numbering_contiguous": [
            f"UPDATE revisions SET revision_no = 3 WHERE article_id = {article} AND revision_no = 1"
        ],
        "current_revision_is_last": [
            f"UPDATE articles SET current_revision = current_revision + 1 WHERE id = {article}"
        ],
        "article_shows_current_revision": [
            f"UPDATE articles SET title = 'Edited behind the history' WHERE id = {article}"
        ],
        "moderated_have_moderated_at": [
            f"UPDATE comments SET status = 'approved', moderated_at = NULL WHERE id = {comment}"
        ],
        "reply_on_parent_article": [f"UPDATE comments SET parent_id = {other} WHERE id = {child}"],
    }


def _project(engine, cur) -> dict[str, list[str]]:
    task, prerequisite = _one(engine, cur, "SELECT task_id, depends_on_id FROM "
                                           "task_dependencies ORDER BY task_id, depends_on_id")  # fmt: skip
    near, far = _one(
        engine, cur,
        "SELECT a.id, b.id FROM tasks a, tasks b WHERE a.project_id <> b.project_id "
        "ORDER BY a.id, b.id",
    )  # fmt: skip
    assigned, outsider = _one(
        engine, cur,
        "SELECT t.id, u.id FROM tasks t, users u WHERE NOT EXISTS (SELECT 1 FROM "
        "project_members m WHERE m.project_id = t.project_id AND m.user_id = u.id) "
        "ORDER BY t.id, u.id",
    )  # fmt: skip
    entry, stranger = _one(
        engine, cur,
        "SELECT e.id, u.id FROM time_entries e JOIN tasks t ON t.id = e.task_id, users u "
        "WHERE NOT EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = t.project_id "
        "AND m.user_id = u.id) ORDER BY e.id, u.id",
    )  # fmt: skip
    billed, logger, project = _one(
        engine, cur,
        "SELECT e.id, e.user_id, t.project_id FROM time_entries e JOIN tasks t "
        "ON t.id = e.task_id ORDER BY e.id",
    )  # fmt: skip
    return {
        "task_graph_acyclic": [
            "INSERT INTO task_dependencies (task_id, depends_on_id, kind) "
            f"VALUES ({prerequisite}, {task}, 'finish_to_start')"
        ],
        "dependencies_within_project": [
            "INSERT INTO task_dependencies (task_id, depends_on_id, kind) "
            f"VALUES ({near}, {far}, 'finish_to_start')"
        ],
        "done_after_prerequisites": [
            f"UPDATE tasks SET status = 'done' WHERE id = {task}",
            f"UPDATE tasks SET status = 'todo' WHERE id = {prerequisite}",
        ],
        "assignees_are_members": [
            f"UPDATE tasks SET assignee_id = {outsider} WHERE id = {assigned}"
        ],
        "time_logged_by_members": [
            f"UPDATE time_entries SET user_id = {stranger} WHERE id = {entry}"
        ],
        "logged_minutes_match_entries": [
            f"UPDATE projects SET logged_minutes = logged_minutes + 7 WHERE id = {project}"
        ],
        "budget_not_overspent": [
            f"UPDATE users SET hourly_rate = 500 WHERE id = {logger}",
            f"UPDATE time_entries SET minutes = 600 WHERE id = {billed}",
            f"UPDATE projects SET budget = 1 WHERE id = {project}",
        ],
    }


CORRUPTIONS = {"social": _social, "cms": _cms, "project": _project}
# Held by the table's primary key: its negative control drops the key (below).
KEY_BACKED = {"social": {"no_duplicate_edges"}}


def _violated(suite_name: str, pair: Pair, conn: Any = None) -> list[str]:
    """Names of the suite's invariants that return rows, on `conn` (inside its open
    transaction) or on a new connection."""
    engine, endpoint = pair
    schema = target(pair).schema()
    compiled = [compile_invariant(i, engine, schema) for i in load_suite(suite_name).invariants]
    own = conn is None
    conn = engine.connect(endpoint) if own else conn
    try:
        return [c.invariant for c in check_all(engine, conn, compiled, "after") if not c.holds]
    finally:
        if own:
            conn.close()


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("suite_name", SUITES)
def test_every_invariant_flags_corrupted_data(seeded, suite_name: str, engine_name: str) -> None:
    pair = seeded(suite_name, engine_name)
    engine, endpoint = pair
    assert _violated(suite_name, pair) == []  # the seeded data satisfies every invariant
    names = [i.name for i in load_suite(suite_name).invariants]
    conn = engine.connect(endpoint)
    try:
        cur = conn.cursor()
        corruptions = CORRUPTIONS[suite_name](engine, cur)
        # Every invariant has a negative control here or below: a new one must get one.
        assert set(corruptions) | KEY_BACKED.get(suite_name, set()) == set(names)
        missed = []
        for name, statements in corruptions.items():
            cur.execute(engine.begin_sql)
            for statement in statements:
                cur.execute(statement)
            if name not in _violated(suite_name, pair, conn):
                missed.append(name)
            cur.execute(engine.transactions.rollback)
    finally:
        conn.close()
    assert not missed, f"{engine_name}: corrupted data not flagged by {missed}"
    assert _violated(suite_name, pair) == []  # every corruption was rolled back


@pytest.mark.parametrize("engine_name", ENGINES)
def test_duplicate_edges_flagged_once_the_key_is_gone(servers, engine_name: str) -> None:
    """follows' primary key forbids a duplicate edge, so the invariant is the check for
    data that arrived without it: the table rebuilt keyless (CREATE TABLE AS, which copies
    no constraint), then one edge twice."""
    with fresh_database(engine_name, servers, "arena_edges") as pair:
        engine, endpoint = pair
        domains.apply("social", engine, endpoint)
        conn = engine.connect(endpoint)
        try:
            cur = conn.cursor()
            for statement in (
                "CREATE TABLE follows_keyless AS SELECT * FROM follows",
                "DROP TABLE follows",
                "ALTER TABLE follows_keyless RENAME TO follows",
            ):
                cur.execute(statement)
            assert "no_duplicate_edges" not in _violated("social", pair, conn)
            for _ in range(2):
                cur.execute(
                    "INSERT INTO follows (follower_id, followee_id, created_at) "
                    "VALUES (1, 2, CURRENT_TIMESTAMP)"
                )
            assert "no_duplicate_edges" in _violated("social", pair, conn)
        finally:
            conn.close()


def test_suites_name_their_domain_and_every_workflow_of_the_issue() -> None:
    expected = {
        "cms": {"create_draft", "submit_for_review", "publish", "schedule", "publish_scheduled",
                "assign_tag_and_category", "post_comment", "moderate_next", "bulk_moderate",
                "read_comment_tree", "edit_article", "rollback_article"},
        "social": {"follow", "follow_unlocked", "unfollow", "feed_first_page", "feed_next_page", "send_message",
                   "read_message", "mark_thread_read"},
        "project": {"add_dependency", "critical_path", "complete_task", "log_time", "timesheet",
                    "budget_report", "assign_task", "comment_task", "activity_feed"},
    }  # fmt: skip
    for name, workflows in expected.items():
        suite = load_suite(name)
        assert suite.domain == name
        assert {w.name for w in suite.workflows} == workflows
        assert Path(domains.SCHEMA_DIR, f"{name}.yaml").exists()
        assert domains.definition(name).derived  # seeded data made consistent
