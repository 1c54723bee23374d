"""Skewed categorical columns (issue 10): status-like and rating-like columns lean the way
real data does without configuration, and `weights: {value: w}` in a seeds YAML sets the
skew of the values arena found itself (CHECK IN list, enum, 1..5 rating). Negative
controls: a uniform draw fails the skew checks; a weight on a value the column cannot hold,
or on a column without a fixed set of values, is refused."""

from __future__ import annotations

from collections import Counter

import pytest

from arena.errors import ArenaError
from arena.schema import Check, Column, Table
from arena.seed.config import parse_config
from arena.seed.plan import TablePlan
from arena.seed.table import TableGen

ROWS = 20_000
STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled", "refunded")
ORDERS = Table(
    "orders",
    (
        Column("id", "integer", "int", False),
        Column("status", "varchar", "varchar", False, length=12),
        Column("rating", "smallint", "smallint", False),
        Column("note", "text", "text", True),
    ),
    ("id",),
    checks=(
        Check("s", "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")"),
        Check("r", "rating BETWEEN 1 AND 5"),
    ),
)


def shares(yaml_text: str = "", column: str = "status") -> dict:
    config = parse_config(yaml_text).table("orders") if yaml_text else None
    tg = TableGen(TablePlan(ORDERS, ROWS), 11, {}, config, dialect="postgres")
    counts = Counter(tg.chunk(0, ROWS)[column].to_python())
    return {v: n / ROWS for v, n in counts.items()}


def lean_status(s: dict) -> bool:
    """Most orders end delivered; cancellations and refunds are rare."""
    return s.get("delivered", 0) > 0.25 and s.get("refunded", 0) < 0.08


def lean_rating(s: dict) -> bool:
    return s.get(5, 0) + s.get(4, 0) > 0.6 and s.get(5, 0) > s.get(1, 0) * 3


def test_status_and_rating_lean_without_configuration():
    assert lean_status(shares())
    assert lean_rating(shares(column="rating"))
    assert set(shares()) == set(STATUSES)  # skewed, not truncated


def test_negative_control_uniform_draws_fail_the_lean_checks():
    uniform = {s: 1 / len(STATUSES) for s in STATUSES}
    assert not lean_status(uniform)
    assert not lean_rating({r: 0.2 for r in range(1, 6)})


def test_configured_weights_set_the_shares():
    text = (
        "tables:\n  orders:\n    columns:\n"
        "      status: {weights: {delivered: 90, cancelled: 10}}\n"
        "      rating: {weights: {1: 1, 5: 3}}\n"
    )
    status = shares(text)
    assert set(status) == {"delivered", "cancelled"}
    assert status["delivered"] == pytest.approx(0.9, abs=0.02)
    rating = shares(text, "rating")
    assert set(rating) == {1, 5} and rating[5] == pytest.approx(0.75, abs=0.02)


@pytest.mark.parametrize(
    ("column_yaml", "message"),
    [
        ("status: {weights: {delivred: 5}}", "values delivred, which it cannot hold"),
        ("note: {weights: {a: 1}}", "no fixed set of values"),
    ],
)
def test_weights_that_cannot_apply_are_refused(column_yaml, message):
    with pytest.raises(ArenaError, match=message):
        shares(f"tables:\n  orders:\n    columns:\n      {column_yaml}\n")


def test_refusals_carry_a_hint_naming_what_to_do():
    with pytest.raises(ArenaError) as caught:
        shares("tables:\n  orders:\n    columns:\n      note: {weights: {a: 1}}\n")
    assert "generator: choice" in caught.value.hint and "orders.note" in caught.value.hint
    with pytest.raises(ArenaError) as caught:
        shares("tables:\n  orders:\n    columns:\n      status: {weights: {nope: 1}}\n")
    assert caught.value.hint == "Its values: " + ", ".join(STATUSES) + "."
