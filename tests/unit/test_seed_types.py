"""Generators for types and CHECK forms beyond arena's logical set (arena/seed/typed.py,
patterns.py, shaping.py), without a server: every value is checked against the rule it was
made for, and each rule has a value that must be refused (the negative control)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sqlglot

from arena.engines import get_engine
from arena.errors import ArenaError
from arena.introspect.checks import PATTERN, analyze
from arena.schema import Check, Column, Schema, Table, Unique
from arena.seed import patterns
from arena.seed.plan import build_plan
from arena.seed.table import TableGen
from arena.seed.typed import typed_gen

ROWS = np.arange(2000, dtype=np.int64)
KEY = np.uint64(12345)


def col(name, data_type, length=None, enum_values=None, logical="unknown") -> Column:
    return Column(name, data_type, logical, False, length=length, enum_values=enum_values)


def values(column: Column) -> list[str]:
    gen = typed_gen(KEY, column)
    assert gen is not None, column.data_type
    return gen.generate(ROWS).to_python()


@pytest.mark.parametrize(
    ("data_type", "shape"),
    [
        ("int4[]", r"^\{(-?\d+(,-?\d+)*)?\}$"),
        ("text[]", r'^\{("[a-z]+"(,"[a-z]+")*)?\}$'),
        ("float4[]", r"^\{(\d+\.\d{3}(,\d+\.\d{3})*)?\}$"),
        ("int4[][]", r"^\{\{\d+,\d+\},\{\d+,\d+\}\}$"),
        ("uuid[]", r"^\{([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12},?)*\}$"),
        ("timestamptz[]", r'^\{("\d{4}-\d\d-\d\d \d\d:00:00",?)*\}$'),
        ("tsvector", r"^[a-z]+( [a-z]+)*$"),
        ("inet", r"^10\.\d+\.\d+\.\d+$"),
        ("cidr", r"^10\.\d+\.\d+\.0/24$"),
        ("macaddr", r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$"),
        ("interval", r"^\d+ days \d\d:\d\d:00$"),
        ("int4range", r"^\[\d+,\d+\)$"),
        ("daterange", r"^\[\d{4}-\d\d-\d\d,\d{4}-\d\d-\d\d\)$"),
        ("tstzrange", r'^\["[\d\- :]+\+00","[\d\- :]+\+00"\)$'),
        ("hierarchyid", r"^/\d+/\d+/\d+/$"),
        ("point", r"^POINT\(-?\d+\.\d+ -?\d+\.\d+\)$"),
        ("row(text, integer, numeric(10,2))", r'^\("[a-z]+",\d+,\d+\.\d{3}\)$'),
    ],
)
def test_typed_values_have_their_input_form(data_type, shape):
    got = values(col("c", data_type))
    assert all(re.match(shape, v) for v in got), [v for v in got if not re.match(shape, v)][:3]
    assert not re.match(shape, "Not a value!")  # the negative control


def test_ranges_are_never_empty_and_sets_are_subsets_in_order():
    for text in values(col("c", "int4range")):
        low, high = map(int, text[1:-1].split(","))
        assert low < high
    labels = ("rock", "jazz", "pop")
    got = values(col("c", "set", enum_values=labels))
    for text in got:
        parts = text.split(",") if text else []
        assert parts == [lab for lab in labels if lab in parts]
    assert len(set(got)) == 8  # every subset appears


def test_bit_strings_have_their_width():
    fixed = values(col("c", "bit", length=8))
    assert {len(v) for v in fixed} == {8} and set("".join(fixed)) == {"0", "1"}
    varying = values(col("c", "bit varying", length=16))
    assert min(map(len, varying)) >= 1 and max(map(len, varying)) == 16


def test_unknown_types_are_not_guessed():
    assert typed_gen(KEY, col("c", "geography_weird")) is None
    assert typed_gen(KEY, col("c", "row(text, tsquery)")) is None


@pytest.mark.parametrize(
    ("dialect", "check", "good", "bad"),
    [
        ("postgres", "code ~ '^[A-Z]{3}-[0-9]{4}$'", "ABC-1234", "AB-1234"),
        ("postgres", "code ~* '^[[:alpha:]]+_[[:digit:]]{2}$'", "ab_12", "ab_1"),
        ("postgres", "code SIMILAR TO '(red|blue)_[0-9]+'", "red_42", "green_42"),
        ("postgres", "code ~ similar_to_escape('@[A-Za-z0-9_]{1,15}')", "@a_b", "@a.b"),
        ("mysql", "code REGEXP '^[a-z]+$'", "abc", "ab1"),
        ("mysql", "code RLIKE '^[0-9]{5}$'", "12345", "1234"),
        ("sqlite", "code GLOB '[A-Z][0-9]*'", "B7xx", "b7"),
        ("sqlite", "code LIKE 'ISBN-%'", "ISBN-1", "ISB-1"),
    ],
)
def test_pattern_checks_get_matching_strings(dialect, check, good, bad):
    [form] = analyze(check, dialect).forms
    assert form.kind == PATTERN
    regex = re.compile(form.values[0])
    assert regex.search(good) and not regex.search(bad)
    made = patterns.strings_matching(form.values[0], 200, 7, max_len=24)
    assert len(made) > 20 and all(regex.search(s) and len(s) <= 24 for s in made)


def generated(table: Table, rows: int = 3000) -> dict[str, list]:
    [plan] = build_plan(Schema("t", (table,)), rows).tables
    tg = TableGen(plan, 3, {}, dialect="postgres")
    chunk = tg.chunk(0, tg.n)
    return {c.name: chunk[c.name].to_python() for c in tg.columns}


def test_length_not_in_arithmetic_and_null_combinations_hold():
    def c(name, logical, nullable=False, length=None):
        return Column(name, logical, logical, nullable, length=length)

    table = Table(
        "t",
        (
            c("id", "int"), c("code", "varchar", length=20), c("tag", "varchar", length=30),
            c("qty", "int"), c("phone", "varchar", True, 20), c("mobile", "varchar", True, 20),
            c("min_qty", "int"), c("max_qty", "int"), c("word", "char", length=6),
        ),
        primary_key=("id",),
        checks=(
            Check("a", "length(code) = 7"), Check("b", "char_length(tag) BETWEEN 3 AND 5"),
            Check("c", "qty * 2 <= 100 AND qty > 0"), Check("d", "tag NOT IN ('foo', 'bar')"),
            Check("e", "phone IS NOT NULL OR mobile IS NOT NULL"),
            Check("f", "min_qty <= max_qty"), Check("g", "max_qty <= 8"),
            Check("h", "min_qty >= 1"), Check("i", "octet_length(word) < 4"),
        ),
    )  # fmt: skip
    v = generated(table)
    assert {len(s) for s in v["code"]} == {7}
    assert all(3 <= len(s) <= 5 and s not in ("foo", "bar") for s in v["tag"])
    assert all(0 < q <= 50 for q in v["qty"]) and max(v["qty"]) == 50
    assert all(p is not None or m is not None for p, m in zip(v["phone"], v["mobile"], strict=True))
    assert all(1 <= a <= b <= 8 for a, b in zip(v["min_qty"], v["max_qty"], strict=True))
    assert all(len(s) < 4 for s in v["word"])


def test_sql_server_types_render_as_tsql_that_parses():
    """No SQL Server here: values are spelled with the engine's literals and parsed with
    sqlglot's tsql dialect (uniqueidentifier, datetimeoffset, money, varbinary(max), xml,
    hierarchyid)."""
    engine = get_engine("sqlserver")
    columns = (
        Column("id", "int", "int", False),
        Column("guid", "uniqueidentifier", "uuid", False),
        Column("at", "datetimeoffset", "timestamptz", False),
        Column("price", "money", "decimal", False, precision=19, scale=4),
        Column("payload", "varbinary", "blob", False),
        Column("doc", "xml", "unknown", False),
        Column("node", "hierarchyid", "unknown", False),
    )
    table = Table("things", columns, primary_key=("id",))
    [plan] = build_plan(Schema("t", (table,)), 50).tables
    tg = TableGen(plan, 3, {}, dialect="tsql")
    chunk = tg.chunk(0, tg.n)
    rows = list(zip(*(chunk[c.name].to_python(engine) for c in columns), strict=True))

    def spell(value):
        if isinstance(value, bytes):
            return "0x" + value.hex()
        return engine.literal(value if not hasattr(value, "isoformat") else value.isoformat())

    names = ", ".join(engine.quote(c.name) for c in columns)
    for row in rows:
        sql = f"INSERT INTO things ({names}) VALUES ({', '.join(spell(v) for v in row)})"
        tree = sqlglot.parse_one(sql, read="tsql")
        assert isinstance(tree, sqlglot.exp.Insert)
        guid, doc, node = row[1], row[5], row[6]
        assert re.match(
            r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", guid
        )
        ET.fromstring(doc)  # well-formed xml
        assert re.match(r"^(/\d+)+/$", node)
    with pytest.raises(sqlglot.errors.ParseError):  # the negative control
        sqlglot.parse_one("INSERT INTO things (id) VALUES ('x'", read="tsql")


def test_status_and_rating_columns_are_skewed_and_others_stay_uniform():
    def c(name, logical):
        return Column(name, logical, logical, False, length=12 if logical == "varchar" else None)

    statuses = "('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')"
    table = Table(
        "orders",
        (c("id", "int"), c("status", "varchar"), c("rating", "int"), c("stars", "int"),
         c("color", "varchar")),
        primary_key=("id",),
        checks=(Check("s", f"status IN {statuses}"), Check("r", "rating BETWEEN 1 AND 5"),
                Check("t", "stars IN (1, 2, 3, 4, 5)"),
                Check("c", "color IN ('red', 'green', 'blue')")),
    )  # fmt: skip
    v = generated(table, 20_000)
    share = {s: v["status"].count(s) / len(v["status"]) for s in set(v["status"])}
    assert max(share, key=share.get) == "delivered" and share["delivered"] > 0.25
    assert share["cancelled"] < 0.05 and share["refunded"] < 0.05 and len(share) == 6
    for name in ("rating", "stars"):
        counts = np.bincount(v[name], minlength=6)[1:]
        assert counts.argmax() == 4 and np.mean(v[name]) > 3.7 and counts.min() > 0
    colors = [v["color"].count(x) / len(v["color"]) for x in ("red", "green", "blue")]
    assert all(0.3 < s < 0.37 for s in colors)  # the negative control: no name, no skew


def test_a_phone_column_holds_phone_numbers_not_words():
    table = Table(
        "users",
        (Column("id", "int", "int", False), Column("phone", "varchar", "varchar", True, length=20)),
        primary_key=("id",),
    )
    phones = [p for p in generated(table, 500)["phone"] if p is not None]
    assert phones and all(re.match(r"^\+1-555-\d{7}$", p) for p in phones), phones[:3]
    assert not re.match(r"^\+1-555-\d{7}$", "Could report")  # the negative control


def test_a_column_without_generator_is_left_to_its_default_or_refused():
    def table(default, nullable):
        odd = Column("shape", "tsquery", "unknown", nullable, default=default)
        return Table("t", (Column("id", "int", "int", False), odd), primary_key=("id",))

    [plan] = build_plan(Schema("s", (table("''::tsquery", False),)), 10).tables
    tg = TableGen(plan, 3, {}, dialect="postgres")
    assert [c.name for c in tg.columns] == ["id"]
    assert any("left to its DEFAULT" in n for n in tg.notes), tg.notes
    [plan] = build_plan(Schema("s", (table(None, False),)), 10).tables
    with pytest.raises(ArenaError, match=r"t\.shape of type tsquery"):  # the negative control
        TableGen(plan, 3, {}, dialect="postgres")


def test_an_email_agrees_with_the_names_of_its_row():
    def c(name, length=60):
        return Column(name, "varchar", "varchar", False, length=length)

    people = Table(
        "customers",
        (Column("id", "int", "int", False), c("first_name"), c("last_name"), c("email", 120)),
        primary_key=("id",),
        uniques=(Unique("customers_email_key", ("email",)),),
    )
    v = generated(people, 2000)
    rows = list(zip(v["first_name"], v["last_name"], v["email"], strict=True))
    assert all(e.startswith(f"{f.lower()}.{la.lower()}") for f, la, e in rows), rows[:3]
    assert len(set(v["email"])) == len(v["email"])
    authors = Table(
        "authors", (Column("id", "int", "int", False), c("full_name"), c("email", 120)),
        primary_key=("id",),
    )  # fmt: skip
    v = generated(authors, 500)
    for name, email in zip(v["full_name"], v["email"], strict=True):
        assert email.startswith(".".join(name.lower().split())), (name, email)
    short = Table(
        "accounts", (Column("id", "int", "int", False), c("full_name"), c("email", 10)),
        primary_key=("id",),
    )  # fmt: skip
    assert all(len(e) <= 10 for e in generated(short, 200)["email"])  # too long: the token
