"""`derived:` declarations of a domain schema: parsed, validated, rendered per engine."""

from __future__ import annotations

import pytest

from arena.domains import definition, parse_domain
from arena.domains.derived import render_neutral
from arena.engines import get_engine
from arena.errors import ArenaError

TABLES = {"t": {"columns": {"id": "serial", "n": "int not null default 0"}}}


def test_shipped_domains_declare_their_derived_values() -> None:
    assert [d.name for d in definition("ecommerce").derived][:2] == [
        "order_items.discount", "orders.total_amount",
    ]  # fmt: skip
    assert "accounts.balance" in [d.name for d in definition("finance").derived]


def test_a_derived_value_must_be_one_write_statement() -> None:
    data = {"tables": TABLES, "derived": [{"name": "x", "sql": "SELECT 1"}]}
    with pytest.raises(ArenaError, match="must be one UPDATE, INSERT or DELETE"):
        parse_domain("d", data)
    with pytest.raises(ArenaError, match="needs `name` and `sql`"):
        parse_domain("d", {"tables": TABLES, "derived": [{"sql": "UPDATE t SET n = 1"}]})


@pytest.mark.parametrize("engine", ["postgres", "mariadb", "sqlite"])
def test_every_shipped_declaration_renders_for_every_engine(engine: str) -> None:
    for name in ("ecommerce", "finance"):
        for item in definition(name).derived:
            assert render_neutral(item.sql, get_engine(engine)).split()[0] in (
                "UPDATE", "INSERT",
            )  # fmt: skip


def test_only_the_domain_whose_tables_and_columns_are_all_there_matches() -> None:
    from arena.domains.derived import matching_domains

    finance = definition("finance").schema
    assert [d.name for d in matching_domains(finance)] == ["finance"]
    assert matching_domains(finance, seeded={"accounts"})[0].name == "finance"
    assert matching_domains(finance, seeded={"other"}) == []
    # ecommerce's tables next to finance's: its `users` is finance's (other columns)
    ecommerce = definition("ecommerce").schema
    others = tuple(t for t in ecommerce.tables if t.name != "users")
    mixed = type(finance)(engine="x", tables=finance.tables + others)
    assert [d.name for d in matching_domains(mixed)] == ["finance"]
