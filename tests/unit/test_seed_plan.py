"""The seed plan: FK order, self-references, cycles, row split."""

from __future__ import annotations

import pytest

from arena.errors import ArenaError, UnknownNameError
from arena.schema import Column, ForeignKey, Schema, Table
from arena.seed.plan import build_plan, order_tables


def col(name: str, nullable: bool = True, logical: str = "bigint") -> Column:
    return Column(name, logical, logical, nullable)


def table(name: str, *fks: tuple[str, str, bool]) -> Table:
    columns = [col("id", False)] + [col(c, nullable) for c, _, nullable in fks]
    return Table(
        name,
        tuple(columns),
        primary_key=("id",),
        foreign_keys=tuple(ForeignKey(f"fk_{name}_{c}", (c,), ref, ("id",)) for c, ref, _ in fks),
    )


def test_parents_come_first_and_self_references_need_no_break():
    schema = Schema(
        "t",
        (
            table("order_items", ("order_id", "orders", False), ("product_id", "products", False)),
            table("orders", ("customer_id", "customers", False)),
            table("categories", ("parent_id", "categories", True)),
            table("products", ("category_id", "categories", False)),
            table("customers"),
        ),
    )
    plan = build_plan(schema, 10_000)
    order = [p.name for p in plan.tables]
    for child, parent in [("orders", "customers"), ("order_items", "orders"),
                          ("order_items", "products"), ("products", "categories")]:  # fmt: skip
        assert order.index(parent) < order.index(child)
    categories = plan.get("categories")
    assert [fk.columns for fk in categories.self_refs] == [("parent_id",)]
    assert categories.deferred == ()


def test_a_cycle_is_broken_at_its_nullable_fk():
    teams = table("teams", ("owner_id", "members", True))
    members = table("members", ("team_id", "teams", False))
    order, deferred = order_tables([members, teams])
    assert order == ["teams", "members"]
    assert deferred == {("teams", "fk_teams_owner_id")}
    plan = build_plan(Schema("t", (members, teams)), 100)
    assert [fk.name for fk in plan.get("teams").deferred] == ["fk_teams_owner_id"]


def test_a_cycle_of_not_null_fks_is_named_when_no_forward_edge_is_allowed():
    a = table("a", ("b_id", "b", False))
    b = table("b", ("a_id", "a", False))
    with pytest.raises(ArenaError, match="a -> b -> a|b -> a -> b"):
        order_tables([a, b])


def test_a_cycle_of_not_null_fks_gets_one_forward_edge():
    a = table("a", ("b_id", "b", False))
    b = table("b", ("a_id", "a", False))
    plan = build_plan(Schema("t", (a, b)), 100)
    forward = [(p.name, fk.name) for p in plan.tables for fk in p.forward]
    assert len(forward) == 1
    child = forward[0][0]
    assert [p.name for p in plan.tables][0] == child  # the forward edge's child loads first
    assert all(p.deferred == () for p in plan.tables)


def test_rows_split_by_depth_sum_to_the_total():
    schema = Schema(
        "t",
        (
            table("customers"),
            table("orders", ("customer_id", "customers", False)),
            table("order_lines", ("order_id", "orders", False)),
        ),
    )
    plan = build_plan(schema, 1_000_000)
    rows = {p.name: p.rows for p in plan.tables}
    assert sum(rows.values()) == 1_000_000
    assert rows["customers"] < rows["orders"] < rows["order_lines"]


def test_lookup_tables_are_small_and_config_counts_win():
    schema = Schema(
        "t",
        (
            table("tags"),
            table("posts"),
            table("post_tags", ("post_id", "posts", False), ("tag_id", "tags", False)),
        ),
    )
    natural = {p.name: p.rows for p in build_plan(schema, 10_000).tables}
    assert natural["tags"] < natural["posts"] / 10
    fixed = build_plan(schema, 10_000, fixed_rows={"tags": 50}, ratios={"posts": 1, "post_tags": 4})
    rows = {p.name: p.rows for p in fixed.tables}
    assert rows == {"tags": 50, "posts": 1990, "post_tags": 7960}


def test_named_tables_only_and_their_missing_parents_are_external():
    schema = Schema("t", (table("customers"), table("orders", ("customer_id", "customers", False))))
    plan = build_plan(schema, 500, tables=["orders"])
    assert [p.name for p in plan.tables] == ["orders"]
    assert [fk.ref_table for fk in plan.get("orders").external] == ["customers"]
    assert plan.total_rows == 500
    with pytest.raises(UnknownNameError, match="Did you mean orders"):
        build_plan(schema, 500, tables=["ordres"])


def test_an_engine_without_tables_says_what_to_do():
    with pytest.raises(ArenaError, match="has no tables to seed") as exc:
        build_plan(Schema("postgres", ()), 100)
    assert "--schema ecommerce" in exc.value.one_line()
