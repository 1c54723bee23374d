"""Operations generated from a Schema: SQL per dialect (parsed with sqlglot), mixes, params."""

from __future__ import annotations

import random

import pytest
import sqlglot

from arena.engines import get_engine
from arena.errors import ArenaError, UnknownNameError
from arena.load.operations import KINDS, build_operations
from arena.load.patterns import PATTERNS, compile_mix, load_mix, pattern
from arena.load.workload import ColumnRange, KeyPool, Workload
from arena.schema import Check, Column, ForeignKey, Index, Schema, Table, Unique

ENGINES = ["postgres", "mysql", "mariadb", "sqlite", "sqlserver", "supabase"]


def shop_schema(engine: str = "postgres") -> Schema:
    customers = Table(
        "customers",
        (
            Column("id", "bigint", "bigint", nullable=False, identity=True),
            Column("email", "varchar", "varchar", nullable=False, length=120),
            Column("tier", "varchar", "varchar", length=10),
            Column("created_at", "timestamp", "timestamp", nullable=False),
        ),
        primary_key=("id",),
        indexes=(Index("customers_created", ("created_at",)),),
        uniques=(Unique("email_uq", ("email",)),),
        checks=(Check("tier_ck", "tier IN ('a','b')", column="tier", allowed=("a", "b")),),
    )
    orders = Table(
        "order items",  # a name that needs quoting on every engine
        (
            Column("id", "integer", "int", nullable=False),
            Column("customer_id", "bigint", "bigint", nullable=False),
            Column("amount", "numeric", "decimal", nullable=False, precision=10, scale=2),
            Column("note", "text", "text"),
        ),
        primary_key=("id",),
        foreign_keys=(ForeignKey("fk_cust", ("customer_id",), "customers", ("id",)),),
        checks=(Check("amount_ck", "amount >= 0", column="amount", low=0),),
    )
    return Schema(engine, (customers, orders))


@pytest.mark.parametrize("name", ENGINES)
def test_every_generated_statement_parses_in_its_dialect(name):
    engine = get_engine(name)
    by_kind = build_operations(engine, shop_schema(name))
    assert set(by_kind) == set(KINDS)
    for kind in KINDS:
        assert by_kind[kind], f"{kind} not generated on {name}"
    for ops in by_kind.values():
        for op in ops:
            sql = op.sql.replace("%s", "1").replace("?", "1")
            parsed = sqlglot.parse_one(sql, read=engine.sqlglot_dialect)
            assert parsed is not None, op.sql
            assert op.sql.count(engine.placeholder) == len(op.params), op.sql


def test_identifiers_are_quoted_per_dialect():
    pg = build_operations(get_engine("postgres"), shop_schema())
    my = build_operations(get_engine("mysql"), shop_schema())
    assert pg["pk_lookup"][1].sql == 'SELECT * FROM "order items" WHERE "id" = %s'
    assert my["pk_lookup"][1].sql == "SELECT * FROM `order items` WHERE `id` = %s"
    sqlite = build_operations(get_engine("sqlite"), shop_schema())
    assert sqlite["pk_lookup"][1].sql.endswith('"id" = ?')


def test_limits_per_dialect():
    page = build_operations(get_engine("sqlserver"), shop_schema())["pagination"][0].sql
    assert page.endswith("ORDER BY [id] OFFSET 0 ROWS FETCH NEXT 20 ROWS ONLY")
    assert build_operations(get_engine("postgres"), shop_schema())["pagination"][0].sql.endswith(
        'ORDER BY "id" LIMIT 20'
    )


def test_inserts_return_the_new_key_the_way_each_engine_can():
    def insert(name):
        ops = build_operations(get_engine(name), shop_schema())["insert"]
        return next(op for op in ops if op.table == "customers")

    assert insert("postgres").sql.endswith('RETURNING "id"') and insert("postgres").returns_key
    assert "OUTPUT INSERTED.[id]" in insert("sqlserver").sql
    assert insert("mysql").key_from_lastrowid and "RETURNING" not in insert("mysql").sql
    assert insert("mariadb").returns_key  # RETURNING since 10.5
    # identity column left to the server; FK-less table: values for the rest
    assert '"id"' not in insert("postgres").sql.split("VALUES")[0]


def test_insert_takes_parent_keys_from_existing_rows_and_deletes_only_its_own():
    engine = get_engine("postgres")
    schema = shop_schema()
    by_kind = build_operations(engine, schema)
    insert = next(op for op in by_kind["insert"] if op.table == "order items")
    delete = next(op for op in by_kind["delete"] if op.table == "order items")
    pools = {
        "customers": KeyPool(low=1, high=50, rows=50),
        "order items": KeyPool(low=1, high=9, rows=9),
    }
    work = Workload(schema, pools, {("customers", "created_at"): ColumnRange(1, 2)})
    rng = random.Random(1)
    assert work.params(delete, rng) is None  # nothing of arena's to delete yet
    params = work.params(insert, rng)
    new_id, customer, amount = params[0], params[1], params[2]
    assert new_id == 10  # above the existing keys
    assert 1 <= customer <= 50  # an existing parent
    assert amount >= 0  # CHECK (amount >= 0)
    work.remember_insert(insert, params, None)
    assert work.params(delete, rng) == (10,)
    assert work.params(delete, rng) is None


def test_update_touches_a_non_key_column_and_respects_checks():
    by_kind = build_operations(get_engine("postgres"), shop_schema())
    update = next(op for op in by_kind["update"] if op.table == "customers")
    assert update.sql == 'UPDATE "customers" SET "tier" = %s WHERE "id" = %s'
    pools = {"customers": KeyPool(low=1, high=5, rows=5)}
    work = Workload(shop_schema(), pools, {})
    value, key = work.params(update, random.Random(2))
    assert value in ("a", "b") and 1 <= key <= 5


def test_joins_follow_foreign_keys():
    [join] = build_operations(get_engine("postgres"), shop_schema())["join"]
    assert join.name == "join order items>customers"
    assert 'JOIN "customers" p ON c."customer_id" = p."id"' in join.sql


def test_same_seed_same_parameters():
    schema = shop_schema()
    op = build_operations(get_engine("postgres"), schema)["pk_lookup"][0]
    pools = {"customers": KeyPool(low=1, high=1_000_000, rows=1_000_000)}
    one = [Workload(schema, pools, {}).params(op, r) for r in [random.Random("42:0")] * 5]
    two = [Workload(schema, pools, {}).params(op, r) for r in [random.Random("42:0")] * 5]
    assert one == two


def test_the_ten_patterns_compile_on_a_schema_with_keys_and_fks():
    assert len(PATTERNS) == 10
    engine = get_engine("postgres")
    by_kind = build_operations(engine, shop_schema())
    for name in PATTERNS:
        mix = compile_mix(pattern(name), engine, by_kind)
        assert abs(sum(mix.weights) - 100) < 1e-9
        assert mix.skipped == ()


def test_a_kind_the_schema_cannot_serve_is_skipped_and_reweighted():
    schema = Schema("postgres", (shop_schema().tables[0],))  # no foreign keys at all
    engine = get_engine("postgres")
    mix = compile_mix(pattern("olap"), engine, build_operations(engine, schema))
    assert mix.skipped == ("join",)
    assert abs(sum(mix.weights) - 100) < 1e-9


def test_unknown_pattern():
    with pytest.raises(UnknownNameError, match="Did you mean oltp"):
        pattern("otlp")


def test_custom_mix_with_parameterised_sql(tmp_path):
    file = tmp_path / "mix.yaml"
    file.write_text(
        "name: mine\noperations:\n  pk_lookup customers: 50\ncustom:\n"
        "  - name: by_email\n    weight: 50\n"
        "    sql: SELECT * FROM customers WHERE id > :low AND email LIKE 'a%' AND id::int < :low + 5\n"
        "    params: {low: {int: [1, 10]}}\n"
    )
    spec = load_mix(file)
    pg = compile_mix(
        spec, get_engine("postgres"), build_operations(get_engine("postgres"), shop_schema())
    )
    custom = pg.operations[-1]
    assert custom.sql == (
        "SELECT * FROM customers WHERE id > %s AND email LIKE 'a%%' AND id::int < %s + 5"
    )
    assert len(custom.params) == 2
    lite = compile_mix(
        spec, get_engine("sqlite"), build_operations(get_engine("sqlite"), shop_schema())
    )
    assert "id > ? AND email LIKE 'a%'" in lite.operations[-1].sql


def test_the_example_custom_mix_loads():
    spec = load_mix("scenarios/custom_mix.yaml")
    assert sum(e.weight for e in spec.entries) == 100


@pytest.mark.parametrize(
    "body, message",
    [
        ("operations: {pk_lookup: 60, frobnicate: 40}", "Unknown operation"),
        ("operations: {pk_lookup: 60, insert: 30}", "sum to 90, not 100"),
        ("operations: {pk_lookup: -5}", "positive number"),
        ("custom: [{name: x, weight: 100, sql: 'SELECT :a'}]", "no params entry"),
        (
            "custom: [{name: x, weight: 100, sql: 'SELECT :a', params: {a: {zipf: 1}}}]",
            "must be one of",
        ),
        ("operatoins: {pk_lookup: 100}", "unknown keys"),
        ("operations: [{kind: pk_lookup, weight: 100}]", "must map 'kind table' to a weight"),
        ("custom: {name: x}", "must be a list"),
    ],
)
def test_bad_mix_files_fail_with_a_clear_message(tmp_path, body, message):
    file = tmp_path / "bad.yaml"
    file.write_text(body)
    with pytest.raises(ArenaError, match=message):
        load_mix(file)


def test_a_named_table_that_cannot_run_is_an_error():
    engine = get_engine("postgres")
    spec = pattern("oltp").__class__(
        "x", (pattern("oltp").entries[0].__class__("pk_lookup", 100, "nope"),)
    )
    with pytest.raises(ArenaError, match="'pk_lookup nope' cannot run"):
        compile_mix(spec, engine, build_operations(engine, shop_schema()))


def test_sqlite_text_timestamps_get_a_window_in_their_own_spelling():
    from arena.load.workload import _window

    low, high = _window(ColumnRange("2024-01-01 00:00:00", "2025-01-01 00:00:00"), random.Random(1))
    assert low < high and low[10] == " " and low.startswith("2024")
    day_low, day_high = _window(ColumnRange("2024-01-01", "2024-12-31"), random.Random(1))
    assert len(day_low) == 10 and day_low <= day_high
    assert _window(ColumnRange("apple", "pear"), random.Random(1)) == ("apple", "pear")


def test_unique_text_is_salted_per_run_so_reruns_do_not_collide():
    from arena.load.workload import ValueMaker

    customers = shop_schema().tables[0]
    one = ValueMaker(customers, salt="a1b2c3").make("email", random.Random(9))
    two = ValueMaker(customers, salt="d4e5f6").make("email", random.Random(9))
    assert one.startswith("a1b2c3") and two.startswith("d4e5f6") and one[6:] == two[6:]
    assert not ValueMaker(customers, salt="a1b2c3").make("tier", random.Random(9)).startswith("a1")


def test_keys_arena_inserted_are_capped_per_table():
    """A mix with inserts and no deletes kept every inserted key: memory grew for the whole
    run (issue 8). The newest keys are kept, up to a bound per table."""
    from arena.load.workload import INSERTED_KEYS_KEPT

    schema = shop_schema()
    by_kind = build_operations(get_engine("postgres"), schema)
    insert = next(op for op in by_kind["insert"] if op.table == "customers")  # identity key
    workload = Workload(schema, {}, {})
    for key in range(INSERTED_KEYS_KEPT + 500):
        workload.remember_insert(insert, (), key)
    kept = workload.inserted["customers"]
    assert len(kept) == INSERTED_KEYS_KEPT
    assert kept[0] == 500 and kept[-1] == INSERTED_KEYS_KEPT + 499  # the oldest forgotten


def test_insert_statements_per_engine_hook():
    """Engine.insert_sql: the conflict clause and the way the new key comes back."""
    schema = shop_schema()
    sql = {
        name: next(
            op.sql for op in build_operations(get_engine(name), schema)["insert"]
            if op.table == "customers"
        )
        for name in ("postgres", "sqlite", "mysql", "mariadb", "sqlserver")
    }  # fmt: skip
    assert sql["postgres"].endswith('ON CONFLICT DO NOTHING RETURNING "id"')
    assert sql["sqlite"].endswith('ON CONFLICT DO NOTHING RETURNING "id"')
    assert sql["mysql"].startswith("INSERT IGNORE INTO `customers`")
    assert "RETURNING" not in sql["mysql"]  # lastrowid instead
    assert sql["mariadb"].startswith("INSERT IGNORE INTO") and sql["mariadb"].endswith(
        "RETURNING `id`"
    )
    assert "OUTPUT INSERTED.[id] VALUES" in sql["sqlserver"]


def test_percent_in_names_is_escaped_for_format_drivers_only():
    table = Table(
        "50%_off?:x",
        (Column("i%d", "int", "int", nullable=False), Column("v", "int", "int")),
        primary_key=("i%d",),
    )
    schema = Schema("postgres", (table,))
    for name, expected in (("mariadb", "`50%%_off?:x`"), ("postgres", '"50%%_off?:x"'),
                           ("sqlite", '"50%_off?:x"')):  # fmt: skip
        lookup = build_operations(get_engine(name), schema)["pk_lookup"][0]
        assert expected in lookup.sql, (name, lookup.sql)
