"""`arena load` keeps the seeded data's shape (issue 10): its updates draw from the seed's
own generators, so a CHECK-bounded rating still reaches its top value at about its seeded
share, and a name column still holds names, after load runs full of updates. Checked with
this test's own SQL; each check has a negative control (the old random-letters / clipped
range generator, `ValueMaker.fallback`, must be flagged)."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena.introspect import introspect
from arena.load.workload import ValueMaker
from arena.seed import words
from arena.state import ProjectState
from tests.conftest import fresh_database, make_project_dir, run_arena

pytestmark = pytest.mark.integration

NAME_WORDS = {w.lower() for w in words.FIRST_NAMES + words.LAST_NAMES}
MIX = "operations:\n  update reviews: 50\n  update people: 50\n"


def top_share(counts: dict[int, int], top: int) -> float:
    total = sum(counts.values())
    return counts.get(top, 0) / total if total else 0.0


def rating_shape_kept(counts: dict[int, int], top: int, seeded_share: float) -> bool:
    """The top of the range holds at least half its seeded share (not ~0 after updates)."""
    return top_share(counts, top) >= seeded_share / 2


def name_like_share(values: list[str]) -> float:
    """Share of values that read as 'First Last' made of known name words."""
    good = 0
    for v in values:
        parts = (v or "").split()
        if len(parts) >= 2 and all(re.fullmatch(r"[A-Z][a-z'\-]+", p) for p in parts):
            good += all(p.lower() in NAME_WORDS for p in parts)
    return good / len(values) if values else 0.0


@pytest.fixture
def project(servers) -> Iterator[Path]:
    root = make_project_dir("arena-realism-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _ratings(engine, endpoint) -> dict[int, int]:
    _, rows = engine.execute(endpoint, "SELECT rating, COUNT(*) FROM reviews GROUP BY rating")
    return {int(r): int(n) for r, n in rows}


@pytest.mark.parametrize("name", ["postgres", "sqlite"])
def test_load_updates_keep_ratings_and_names_shaped(name, servers, project):
    with fresh_database(name, servers) as (engine, endpoint):
        engine.execute(
            endpoint,
            "CREATE TABLE reviews (id int PRIMARY KEY, "
            "rating int NOT NULL CHECK (rating >= 1 AND rating <= 5))",
        )
        engine.execute(
            endpoint, "CREATE TABLE people (id int PRIMARY KEY, full_name varchar(80) NOT NULL)"
        )
        ProjectState(project).save_endpoint(endpoint)
        seeded = run_arena(project, "seed", "--engines", name, "--rows", "1200", "--seed", "7")
        assert seeded.returncode == 0, seeded.stderr + seeded.stdout
        before = _ratings(engine, endpoint)
        seeded_share = top_share(before, 5)
        assert seeded_share > 0.2 and set(before) == {1, 2, 3, 4, 5}
        (project / "mix.yaml").write_text(MIX)
        # Runs until each table has had twice as many updates as rows (most rows rewritten,
        # so the old generator's shape would show), bounded in runs on a busy machine.
        target = 2 * sum(before.values())
        done = {"update reviews": 0, "update people": 0}
        for run in range(8):
            out = run_arena(
                project, "load", "--engines", name, "--mix", str(project / "mix.yaml"),
                "--users", "2", "--duration", "3s", "--seed", str(7 + run), "--json",
            )  # fmt: skip
            assert out.returncode == 0, out.stderr + out.stdout
            ops = json.loads(out.stdout)["engines"][name]["operations"]
            for op in done:
                done[op] += ops[op]["count"]
            if min(done.values()) >= target:
                break
        assert min(done.values()) >= target, done
        after = _ratings(engine, endpoint)
        assert sum(after.values()) == sum(before.values())
        assert rating_shape_kept(after, 5, seeded_share), (before, after)
        assert set(after) == {1, 2, 3, 4, 5}
        _, rows = engine.execute(endpoint, "SELECT full_name FROM people")
        names = [r[0] for r in rows]
        assert name_like_share(names) > 0.95, names[:10]

        # Negative controls: the type-bounded fallback (random letters; ratings uniform over
        # the CHECK range, which lost the top value before issue 10) must fail both checks.
        schema = introspect(engine, endpoint)
        rng = random.Random(1)
        old_reviews = ValueMaker(schema.table("reviews"))
        old_ratings: dict[int, int] = {}
        for _ in range(4000):
            v = old_reviews.fallback("rating", rng)
            old_ratings[v] = old_ratings.get(v, 0) + 1
        assert not rating_shape_kept(old_ratings, 5, seeded_share)
        old_people = ValueMaker(schema.table("people"))
        assert name_like_share([old_people.fallback("full_name", rng) for _ in range(500)]) < 0.5
