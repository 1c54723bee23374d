"""Values of one row that agree: an email made from the same row's names.

Generators are per column; a few columns of a person are one fact, though. When a table has
an email column (generated per row) and name columns, the email is rebuilt from the names
the row actually holds ("Rachel Hall" -> rachel.hall17@...), keeping the row number in it so
it stays unique.
"""

from __future__ import annotations

import re

import numpy as np

from arena.seed import counter_random as rnd
from arena.seed import words
from arena.seed.generators import Gen, RowStringGen
from arena.seed.values import Values

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
