"""Values of one row agree (issue 10): city/region/postcode/country from one place, moments
in life order, phone-shaped phones, email from the row's name. Each check has a negative
control: the same check applied to independently drawn columns must flag them."""

from __future__ import annotations

import re

import numpy as np

from arena.schema import Column, Table
from arena.seed import places
from arena.seed.generators import TimestampGen
from arena.seed.inference import string_gen
from arena.seed.plan import TablePlan
from arena.seed.table import TableGen

ROWS = 3000
PLACE_BY_CITY = {p[0]: p for p in places.PLACES}


def _table(*columns: Column) -> Table:
    return Table("customers", (Column("id", "integer", "int", False), *columns), ("id",))


def _rows(table: Table) -> dict[str, list]:
    tg = TableGen(TablePlan(table, ROWS), 5, {}, dialect="postgres")
    chunk = tg.chunk(0, ROWS)
    return {name: values.to_python() for name, values in chunk.items()}


def postcode_regex(fmt: str) -> re.Pattern[str]:
    return re.compile(
        "^"
        + "".join("[0-9]" if c == "#" else "[A-Z]" if c == "A" else re.escape(c) for c in fmt)
        + "$"
    )


def place_mismatches(rows: dict[str, list]) -> int:
    """Rows whose country, region or postcode is not that of their city."""
    bad = 0
    for i, city in enumerate(rows["city"]):
        place = PLACE_BY_CITY.get(city)
        if place is None:
            bad += 1
            continue
        country, region, code = rows["country"][i], rows["state"][i], rows["postcode"][i]
        bad += country is not None and country not in (place[2], place[3])
        bad += region is not None and region != place[1]
        bad += code is not None and not postcode_regex(place[4]).match(code)
    return bad


PLACE_COLUMNS = (
    Column("city", "varchar", "varchar", False, length=60),
    Column("state", "varchar", "varchar", True, length=40),
    Column("postcode", "varchar", "varchar", False, length=12),
    Column("country", "varchar", "varchar", False, length=60),
)


def test_city_region_postcode_and_country_come_from_one_place():
    rows = _rows(_table(*PLACE_COLUMNS))
    assert place_mismatches(rows) == 0
    assert len(set(rows["city"])) > 20 and "Germany" in rows["country"]
    coded = _rows(_table(*PLACE_COLUMNS[:3], Column("country", "char", "char", False, length=2)))
    assert place_mismatches(coded) == 0 and set(coded["country"]) <= {p[2] for p in places.PLACES}


def test_negative_control_independent_place_columns_are_flagged():
    rows = {}
    for salt, col in enumerate(PLACE_COLUMNS):
        kind = {"state": "region"}.get(col.name, col.name)
        gen = string_gen(np.uint64(100 + salt), kind, col.length, False)
        rows[col.name] = gen.generate(np.arange(ROWS, dtype=np.int64)).to_python()
    assert place_mismatches(rows) > ROWS // 2


MOMENTS = ("created_at", "paid_at", "shipped_at", "delivered_at", "updated_at", "last_login_at")


def order_violations(rows: dict[str, list]) -> int:
    present = [m for m in MOMENTS if m in rows]
    bad = 0
    for i in range(len(rows[present[0]])):
        seen = [rows[m][i] for m in present if rows[m][i] is not None]
        bad += any(a > b for a, b in zip(seen, seen[1:], strict=False))
    return bad


def test_moments_of_a_row_keep_their_order():
    cols = [Column(m, "timestamp", "timestamp", m == "created_at") for m in reversed(MOMENTS)]
    rows = _rows(_table(*cols))
    assert order_violations(rows) == 0
    assert any(rows["updated_at"][i] != rows["created_at"][i] for i in range(ROWS))


def test_negative_control_independent_moments_are_flagged():
    rows = {
        m: TimestampGen(np.uint64(7 + i)).generate(np.arange(ROWS)).to_python()
        for i, m in enumerate(MOMENTS)
    }
    assert order_violations(rows) > ROWS // 2


PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{6,19}$")


def test_phones_are_phone_shaped_and_emails_follow_the_name():
    rows = _rows(
        _table(
            Column("full_name", "varchar", "varchar", False, length=80),
            Column("email", "varchar", "varchar", False, length=120),
            Column("phone", "varchar", "varchar", True, length=20),
            Column("mobile_phone", "text", "text", True),
        )
    )
    for name in ("phone", "mobile_phone"):
        assert all(PHONE.match(v) for v in rows[name] if v is not None), rows[name][:5]
    for full, email in zip(rows["full_name"], rows["email"], strict=True):
        assert email.startswith(".".join(full.lower().split())), (full, email)


def test_negative_control_words_are_not_phone_shaped():
    words = string_gen(np.uint64(3), "text", 40, False).generate(np.arange(200)).to_python()
    assert not any(PHONE.match(v) for v in words)


def phone_code_mismatches(rows: dict[str, list]) -> int:
    codes = places.CALLING_CODES
    return sum(
        phone is not None and not phone.startswith(f"+{codes[country]} ")
        for phone, country in zip(rows["phone"], rows["country"], strict=True)
    )


def test_a_phone_carries_the_calling_code_of_the_rows_country():
    rows = _rows(
        _table(
            Column("city", "varchar", "varchar", False, length=60),
            Column("country", "char", "char", False, length=2),
            Column("phone", "varchar", "varchar", True, length=20),
        )
    )
    assert phone_code_mismatches(rows) == 0
    assert all(PHONE.match(p) for p in rows["phone"] if p is not None)
    phones = [p for p in rows["phone"] if p is not None]
    assert len(set(phones)) == len(phones)  # still unique per row
    # negative control: the same phones beside another draw of countries
    assert (
        phone_code_mismatches({"phone": rows["phone"], "country": rows["country"][1:] + ["US"]})
        > 100
    )


def test_a_later_moment_follows_the_latest_earlier_one_and_none_without():
    from arena.seed import moments

    created = Column("created_at", "timestamp", "timestamp", False)
    placed = Column("placed_at", "timestamp", "timestamp", False)  # the same rank as created
    paid = Column("paid_at", "timestamp", "timestamp")
    updated = Column("updated_at", "timestamp", "timestamp")
    day = Column("paid_on", "date", "date")
    assert moments.earlier(updated, [created, placed, paid, updated], set()) == paid
    assert moments.earlier(updated, [created, placed, updated], {"created_at"}) == placed
    assert moments.earlier(paid, [created, placed, paid], set()) in (created, placed)
    assert moments.earlier(updated, [updated, day], set()) is None  # a date is no timestamp
    assert moments.earlier(created, [created, updated], set()) is None  # the first moment


def test_place_parts_fit_short_columns_and_phones_fall_back_when_too_long():
    rows = _rows(
        _table(
            Column("city", "varchar", "varchar", False, length=4),
            Column("country", "varchar", "varchar", False, length=30),
            Column("postcode", "varchar", "varchar", False, length=3),
            Column("phone", "varchar", "varchar", False, length=14),
        )
    )
    assert max(len(c) for c in rows["city"]) == 4 and "United States" in rows["country"]
    assert max(len(p) for p in rows["postcode"]) == 3
    assert all(re.fullmatch(r"[0-9A-Z \-]{1,3}", p) for p in rows["postcode"])
    letters = [p for p, c in zip(rows["postcode"], rows["city"], strict=True) if c == "Toro"]
    assert letters and all(re.fullmatch(r"M[0-9][A-Z]", p) for p in letters)
    assert all(len(p) <= 14 for p in rows["phone"])
    assert any(p.startswith("+1-555-") for p in rows["phone"])  # "+353 5551234567" is 15
    assert any(p.startswith("+44 ") for p in rows["phone"])
    assert all(" " not in p[4:] and "-" not in p[4:] for p in rows["phone"] if p[:3] == "+44")
