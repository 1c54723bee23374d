"""Values of one row that agree: an email made from the same row's names, and a city,
region, postcode and country that belong together.

Generators are per column; a few columns of a person are one fact, though. When a table has
an email column (generated per row) and name columns, the email is rebuilt from the names
the row actually holds ("Rachel Hall" -> rachel.hall17@...), keeping the row number in it so
it stays unique. When a table has two or more of city / region / postcode / country, each
draws its part of one place per row (arena/seed/places.py), all keyed by the same stream.
"""

from __future__ import annotations

import re

import numpy as np

from arena.seed import counter_random as rnd
from arena.seed import places, words
from arena.seed.generators import Gen, PoolGen, RowStringGen
from arena.seed.values import Pool, Values

PLACE_KINDS = ("city", "region", "postcode", "country")
_WEIGHTS = np.array([p[-1] for p in places.PLACES])

FIRST = re.compile(r"^(first_?name|given_?name)$")
LAST = re.compile(r"^(last_?name|surname|family_?name)$")
FULL = re.compile(r"^(full_?name|display_?name|customer_?name|contact_?name|name)$")
_NOT_LETTERS = re.compile(r"[^a-z]")


class NamedEmailGen(Gen):
    kind = "str"
    can_be_unique = True

    def __init__(self, key, email: RowStringGen, names: list[Gen]) -> None:
        super().__init__(key)
        self.email, self.names = email, names
        self.capacity = email.capacity

    def generate(self, rows, unique=False):
        parts = [g.generate(rows).to_python() for g in self.names]
        domains = np.array(words.EMAIL_DOMAINS, dtype=object)
        domain = domains[rnd.integers(rows, self.key, len(domains))].tolist()
        out = []
        for i, row in enumerate(rows.tolist()):
            tokens = [t for p in parts for t in str(p[i] or "").lower().split()]
            local = ".".join(_NOT_LETTERS.sub("", t) for t in tokens if _NOT_LETTERS.sub("", t))
            out.append(f"{local or 'user'}{row}@{domain[i]}")
        limit = self.email.max_len
        if limit is not None and any(len(v) > limit for v in out):
            fallback = self.email.generate(rows).to_python()  # the short form that fits
            out = [v if len(v) <= limit else f for v, f in zip(out, fallback, strict=True)]
        return Values("str", out)

    def describe(self) -> str:
        return "email(from names)"


def link(columns: list, gens: dict[str, Gen], skip: set[str]) -> None:
    """Rebuild an email generator from the table's name generators, in place. `skip`: columns
    whose values come from elsewhere (foreign keys)."""
    names = {c.name.lower(): c.name for c in columns if c.name in gens and c.name not in skip}
    email = next(
        (n for n, gen in gens.items() if isinstance(gen, RowStringGen) and gen.label == "email"),
        None,
    )
    if email is None:
        return
    first = next((v for k, v in names.items() if FIRST.match(k)), None)
    last = next((v for k, v in names.items() if LAST.match(k)), None)
    full = next((v for k, v in names.items() if FULL.match(k)), None)
    sources = [first, last] if first and last else [full] if full else []
    if sources:
        gens[email] = NamedEmailGen(gens[email].key, gens[email], [gens[s] for s in sources])


class PlaceGen(Gen):
    """One part of the row's place: every PlaceGen of a table shares `place_key`, so a row's
    city, region, postcode and country come from the same entry."""

    kind = "str"

    def __init__(self, key, place_key: np.uint64, field: str, max_len: int | None) -> None:
        super().__init__(key)
        self.place_key, self.field, self.max_len = place_key, field, max_len
        column = places.FIELDS[field]
        if field == "postcode":
            fmts = [p[column].encode() for p in places.PLACES]
            width = max(len(f) for f in fmts)
            self.formats = np.zeros((len(fmts), width), dtype=np.uint8)
            for i, f in enumerate(fmts):
                self.formats[i, : len(f)] = np.frombuffer(f, dtype=np.uint8)
        else:
            self.pool = Pool.of([_fit(p[column], max_len) for p in places.PLACES])
        self.capacity = len(places.PLACES)

    def generate(self, rows, unique=False):
        idx = rnd.weighted(rows, self.place_key, _WEIGHTS)
        if self.field != "postcode":
            return Values("str", (self.pool, idx))
        fmt = self.formats[idx]
        width = fmt.shape[1]
        cells = np.stack(
            [rnd.integers(rows, self.key ^ np.uint64(i + 1), 260) for i in range(width)], axis=1
        )
        out = np.where(fmt == ord("#"), 48 + cells % 10, fmt)
        out = np.where(fmt == ord("A"), 65 + cells % 26, out).astype(np.uint8)
        text = np.ascontiguousarray(out).view(f"S{width}").ravel().astype(str).tolist()
        if self.max_len is not None:
            text = [t[: self.max_len] for t in text]
        return Values("str", text)

    def describe(self) -> str:
        return f"place.{self.field}"


class PlacePhoneGen(Gen):
    """A phone number with the calling code of the row's place: "+44 20 5551234" beside
    London. The subscriber part is the base generator's (unique per row)."""

    kind = "str"
    can_be_unique = True

    def __init__(self, base: RowStringGen, place_key: np.uint64) -> None:
        super().__init__(base.key)
        self.base, self.place_key, self.capacity = base, place_key, base.capacity
        self.codes = np.array(
            [f"+{places.CALLING_CODES.get(p[2], '1')} " for p in places.PLACES], dtype=object
        )

    def generate(self, rows, unique=False):
        numbers = self.base.generate(rows, unique).to_python()
        prefix = self.codes[rnd.weighted(rows, self.place_key, _WEIGHTS)].tolist()
        out = [
            p + n.removeprefix("+1-").replace("-", "") if n.startswith("+1-") else n
            for p, n in zip(prefix, numbers, strict=True)
        ]
        limit = self.base.max_len
        if limit is not None:
            out = [o if len(o) <= limit else n for o, n in zip(out, numbers, strict=True)]
        return Values("str", out)

    def describe(self) -> str:
        return "phone(of the place)"


def _fit(text: str, max_len: int | None) -> str:
    return text if max_len is None or len(text) <= max_len else text[:max_len]


def link_places(columns: list, gens: dict[str, Gen], skip: set[str], key: np.uint64) -> None:
    """Rebuild the table's inferred city/region/postcode/country generators as parts of one
    place per row, when there are two or more of them. `skip`: columns whose values are
    fixed elsewhere (FKs, unique columns, CHECK rules, seeds YAML)."""
    found = {}
    for col in columns:
        gen = gens.get(col.name)
        if col.name in skip or not isinstance(gen, PoolGen) or gen.label not in PLACE_KINDS:
            continue
        found.setdefault(gen.label, col)
    if len(found) < 2:
        return
    phone = next(
        (
            c
            for c in columns
            if c.name not in skip
            and isinstance(gens.get(c.name), RowStringGen)
            and gens[c.name].label == "phone"
        ),
        None,
    )
    if phone is not None:  # the row's country's calling code
        gens[phone.name] = PlacePhoneGen(gens[phone.name], key)
    for kind, col in found.items():
        field = kind
        if kind == "country" and (col.length is not None and col.length < 14):
            field = "country_code"  # char(2), varchar(3): the code, not the name
        gens[col.name] = PlaceGen(gens[col.name].key, key, field, col.length)
