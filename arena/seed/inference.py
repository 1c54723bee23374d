"""Which generator a column gets: from its name and type (`infer`, `number_gen`,
`string_gen`), or from a seeds YAML spec (`build`). The generators are arena/seed/generators.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from arena.errors import ArenaError
from arena.schema import Column
from arena.seed import counter_random as rnd
from arena.seed import skew, words
from arena.seed.generators import (
    DEFAULT_END,
    INT_MAX,
    POOL_SIZE,
    BoolGen,
    BytesGen,
    ChoiceGen,
    DateGen,
    DecimalGen,
    Gen,
    IntGen,
    PoolGen,
    RowStringGen,
    SequenceGen,
    TimeGen,
    TimestampGen,
    TokenGen,
    UuidGen,
)
from arena.seed.typed import typed_gen


def text_pool(key: np.uint64, max_len: int | None, n_words=(8, 60), sentences=True) -> list[str]:
    """POOL_SIZE texts of n_words words (a sentence break every ~10 words), drawn at once."""
    rng = np.random.default_rng(int(key))
    counts = rng.integers(n_words[0], n_words[1] + 1, POOL_SIZE)
    vocab = np.array(words.WORDS, dtype=object)
    picked = vocab[rng.integers(0, len(vocab), int(counts.sum()))].tolist()
    out, pos = [], 0
    for count in counts.tolist():
        chunk = picked[pos : pos + count]
        pos += count
        if sentences:
            chunk = [w + "." if (i + 1) % 10 == 0 else w for i, w in enumerate(chunk)]
            text = " ".join(chunk).rstrip(".") + "."
        else:
            text = " ".join(chunk)
        out.append(_clip(text[:1].upper() + text[1:], max_len))
    return out


def _clip(text: str, max_len: int | None) -> str:
    return text if max_len is None or len(text) <= max_len else text[:max_len].rstrip()


def _combos(key: np.uint64, parts: list[list[str]], fmt: str, max_len: int | None) -> list[str]:
    rng = np.random.default_rng(int(key))
    return [
        _clip(fmt.format(*(p[int(rng.integers(len(p)))] for p in parts)), max_len)
        for _ in range(POOL_SIZE)
    ]


def _pick(key: np.uint64, rows: np.ndarray, vocab: list[str], salt: int) -> list[str]:
    arr = np.array(vocab, dtype=object)
    return arr[rnd.integers(rows, key ^ np.uint64(salt), len(vocab))].tolist()


def _email(key, rows):
    first = _pick(key, rows, words.FIRST_NAMES, 11)
    last = _pick(key, rows, words.LAST_NAMES, 12)
    domain = _pick(key, rows, words.EMAIL_DOMAINS, 13)
    return [
        f"{f.lower()}.{la.lower()}{r}@{d}"
        for f, la, r, d in zip(first, last, rows.tolist(), domain, strict=True)
    ]


def _username(key, rows):
    first = _pick(key, rows, words.FIRST_NAMES, 21)
    last = _pick(key, rows, words.LAST_NAMES, 22)
    return [
        f"{f.lower()}_{la[:1].lower()}{r}"
        for f, la, r in zip(first, last, rows.tolist(), strict=True)
    ]


def _slug(key, rows):
    a = _pick(key, rows, words.WORDS, 31)
    b = _pick(key, rows, words.WORDS, 32)
    return [f"{x}-{y}-{r}" for x, y, r in zip(a, b, rows.tolist(), strict=True)]


def _sku(key, rows):
    perm = rnd.Permutation(36**8, key)
    codes = perm(rows % perm.n).tolist()
    return [f"SKU-{np.base_repr(c, 36).rjust(8, '0')}" for c in codes]


def _url(key, rows):
    a = _pick(key, rows, words.WORDS, 41)
    return [f"https://example.com/{x}/{r}" for x, r in zip(a, rows.tolist(), strict=True)]


def _phone(key, rows):
    perm = rnd.Permutation(10**7, key)
    return [f"+1-555-{n:07d}" for n in perm(rows % 10**7).tolist()]


def _name_for_unique(key, rows):
    a = _pick(key, rows, words.WORDS, 51)
    return [f"{x.capitalize()} {r}" for x, r in zip(a, rows.tolist(), strict=True)]


# Unique-by-construction string builders, by column name.
ROW_BUILDERS: dict[str, Callable] = {
    "email": _email, "username": _username, "slug": _slug, "sku": _sku, "url": _url,
    "phone": _phone, "name": _name_for_unique,
}  # fmt: skip

STRING_RULES: list[tuple[str, str]] = [
    (r"e_?mail", "email"),
    (r"^(user_?name|login|handle|nick(name)?)$", "username"),
    (r"slug", "slug"),
    (r"(^|_)sku($|_)|product_code", "sku"),
    (r"(url|website|link|homepage|avatar|image)", "url"),
    (r"(phone|mobile|fax)", "phone"),
    (r"^first_?name$|^given_?name$", "first_name"),
    (r"^(last_?name|surname|family_?name)$", "last_name"),
    (r"(full_?name|display_?name|author_?name|customer_?name|contact_?name)", "full_name"),
    (r"(company|organi[sz]ation|vendor|supplier|brand)", "company"),
    (r"(address|street)", "street"),
    (r"city|town", "city"),
    (r"(^|_)(state|region|province)$", "region"),
    (r"country", "country"),
    (r"(zip|postal|postcode)", "postcode"),
    (r"(currency)", "currency"),
    (r"(colou?r)", "color"),
    (r"(status|state|stage|phase)$", "status"),
    (r"(^|_)(ip|ip_address)$", "ip"),
    (r"(description|body|content|text|comment|bio|note|message|summary|details|excerpt)", "text"),
    (r"(title|subject|headline|label|caption)", "title"),
    (r"(^|_)(code|ref|reference|token|key|hash)$", "token"),
    (r"(^|_)name$", "product_name"),
    (r"(^|_)(tag|word|keyword|category|type|kind)s?$", "word"),
]

NUMBER_RULES: list[tuple[str, dict]] = [
    (r"(price|cost|amount|total|subtotal|balance|fee|salary|revenue|payment|tax)", {"median": 35.0, "sigma": 1.0}),
    (r"(qty|quantity|count|stock|inventory|units|items)", {"low": 1, "high": 100, "skew": 1.2}),
    (r"(rating|stars)", {"low": 1, "high": 5}),
    (r"(score|percent|pct|progress)", {"low": 0, "high": 100}),
    (r"(age)$", {"low": 18, "high": 90}),
    (r"(year)$", {"low": 1990, "high": 2024}),
    (r"(lat|latitude)$", {"low": -90, "high": 90}),
    (r"(lon|lng|longitude)$", {"low": -180, "high": 180}),
    (r"(weight|height|width|length|depth|size)", {"median": 10.0, "sigma": 0.8}),
    (r"(position|sort|order|rank|priority|level|depth)", {"low": 0, "high": 100, "skew": 1.0}),
]  # fmt: skip


PERSON_TABLES = re.compile(
    r"(user|customer|author|member|person|people|employee|staff|contact|student|patient|"
    r"client|owner|player|account|profile)"
)


def string_kind(name: str) -> str | None:
    lowered = name.lower()
    for pattern, kind in STRING_RULES:
        if re.search(pattern, lowered):
            return kind
    return None


def string_gen(key, kind: str, max_len: int | None, unique: bool) -> Gen:
    """The generator for a string column of this kind (see STRING_RULES)."""
    if kind in ROW_BUILDERS and (
        unique or kind in ("email", "username", "slug", "sku", "url", "phone")
    ):
        return RowStringGen(key, ROW_BUILDERS[kind], max_len, kind)
    if kind == "token" or unique:
        width = min(max_len or 12, 12)
        return TokenGen(key, width)
    vocab: dict[str, Callable[[], list[str]]] = {
        "first_name": lambda: words.FIRST_NAMES,
        "last_name": lambda: words.LAST_NAMES,
        "full_name": lambda: _combos(key, [words.FIRST_NAMES, words.LAST_NAMES], "{} {}", max_len),
        "company": lambda: _combos(key, [words.COMPANY_WORDS, words.COMPANY_SUFFIXES], "{} {}", max_len),
        "street": lambda: _combos(
            key, [[str(n) for n in range(1, 2000, 7)], words.STREET_NAMES, words.STREET_TYPES],
            "{} {} {}", max_len,
        ),
        "city": lambda: words.CITIES,
        "region": lambda: words.REGIONS,
        "country": lambda: words.COUNTRIES,
        "postcode": lambda: [f"{n:05d}" for n in range(10_000, 99_999, 23)],
        "currency": lambda: words.CURRENCIES,
        "color": lambda: words.COLORS,
        "status": lambda: words.STATUS_WORDS,
        "ip": lambda: [f"10.{a}.{b}.{c}" for a, b, c in np.random.default_rng(int(key)).integers(0, 256, (POOL_SIZE, 3)).tolist()],
        "text": lambda: text_pool(key, max_len),
        "title": lambda: text_pool(key, max_len, (2, 8), sentences=False),
        "product_name": lambda: _combos(
            key, [[w.capitalize() for w in words.WORDS[-60:]], words.PRODUCT_NOUNS], "{} {}", max_len
        ),
        "word": lambda: words.WORDS,
    }  # fmt: skip
    strings = [
        _clip(s, max_len) for s in vocab.get(kind, lambda: text_pool(key, max_len, (1, 6), False))()
    ]
    skew = 1.0 if kind in ("city", "country", "region", "word", "status", "currency") else 0.0
    return PoolGen(key, [s for s in strings if s] or ["x"], skew=skew, label=kind)


def numeric_bounds(column: Column) -> tuple[float, float]:
    """The widest values the column type accepts (precision/scale; integer widths)."""
    if column.logical == "decimal":
        precision = column.precision or 12
        scale = column.scale or 0
        top = 10 ** (precision - scale) - 10 ** (-scale)
        return -top, top
    if column.data_type.lower() in NARROW_INTEGERS:
        return NARROW_INTEGERS[column.data_type.lower()]
    top = INT_MAX.get(column.logical, INT_MAX["bigint"])
    return -top - 1, top


# Integer types narrower than their logical type (MySQL TINYINT and YEAR read as smallint).
NARROW_INTEGERS = {"tinyint": (-128, 127), "year": (1901, 2155)}


def number_gen(key, column: Column, low: float | None, high: float | None, unique: bool) -> Gen:
    """Integers and decimals: name rules give a realistic shape, CHECK ranges and the type's
    precision bound it."""
    type_low, type_high = numeric_bounds(column)
    rule: dict = {}
    for pattern, params in NUMBER_RULES:
        if re.search(pattern, column.name.lower()):
            rule = params
            break
    is_decimal = column.logical in ("decimal", "float")
    scale = (column.scale if column.scale is not None else 2) if column.logical == "decimal" else 4
    lo = max(type_low, low if low is not None else rule.get("low", 0))
    hi = min(type_high, high if high is not None else rule.get("high", type_high))
    if "median" in rule and low is None and high is None:
        hi = min(type_high, rule["median"] * 200)
    if not is_decimal:
        lo_i, hi_i = int(np.ceil(lo)), int(np.floor(hi))
        leaning = None if unique else skew.rating_weights(column.name, lo_i, hi_i)
        if leaning is not None:  # ratings 1..5: most 4s and 5s
            return ChoiceGen(key, list(range(lo_i, hi_i + 1)), leaning)
        if "high" not in rule and high is None and not unique:
            hi_i = min(hi_i, max(lo_i, 1_000_000))  # plausible magnitudes, not 2**31
        return IntGen(key, lo_i, hi_i, skew=0.0 if unique else rule.get("skew", 0.0))
    median = rule.get("median")
    if median is not None and not lo <= median <= hi:
        median = None
    if median is None and high is None and "high" not in rule:
        hi = min(hi, max(lo, 0) + 10_000)
    return DecimalGen(key, lo, hi, scale, median=median, sigma=rule.get("sigma", 0.9))


def json_gen(key, name: str = "") -> Gen:
    """Nested JSON documents; shaped after the column's name where it says what they hold
    (settings, metadata, address), else a small generic document."""
    rng = np.random.default_rng(int(key))
    lowered = name.lower()
    pick = lambda vocab: str(vocab[int(rng.integers(len(vocab)))])  # noqa: E731
    docs = []
    for _ in range(POOL_SIZE // 4):
        if re.search(r"setting|preference|config|option", lowered):
            doc: dict = {
                "theme": pick(["light", "dark", "system"]),
                "language": pick(["en", "de", "fr", "es", "pt", "ja"]),
                "notifications": {
                    "email": bool(rng.integers(0, 2)),
                    "sms": bool(rng.integers(0, 2)),
                },
                "items_per_page": int(rng.choice([10, 25, 50, 100])),
            }
        elif "address" in lowered or "location" in lowered:
            doc = {
                "street": f"{int(rng.integers(1, 2000))} {pick(words.STREET_NAMES)} {pick(words.STREET_TYPES)}",
                "city": pick(words.CITIES),
                "postcode": f"{int(rng.integers(10_000, 99_999)):05d}",
                "country": pick(words.COUNTRIES),
            }
        elif re.search(r"meta|attributes|properties|extra|data|payload", lowered):
            doc = {
                "source": pick(["web", "ios", "android", "api", "import"]),
                "version": int(rng.integers(1, 6)),
                "tags": [str(w) for w in rng.choice(words.WORDS, int(rng.integers(0, 4)))],
                "attributes": {pick(words.WORDS): int(rng.integers(0, 1000))},
            }
        else:
            doc = {
                str(rng.choice(words.WORDS)): int(rng.integers(0, 1000)),
                "tags": [str(w) for w in rng.choice(words.WORDS, int(rng.integers(0, 4)))],
                "flag": bool(rng.integers(0, 2)),
            }
        docs.append(json.dumps(doc, separators=(",", ":")))
    return PoolGen(key, docs, label="json")


def infer(key: np.uint64, column: Column, unique: bool, table: str) -> Gen:
    """Zero-configuration generator for a column, from its name and type."""
    logical = column.logical
    typed = typed_gen(key, column) if logical == "unknown" else None
    if typed is not None:
        return typed
    if column.enum_values:
        labels = list(column.enum_values)
        return ChoiceGen(key, labels, skew.status_weights(column.name, labels))
    if logical in ("smallint", "int", "bigint", "decimal", "float"):
        return number_gen(key, column, None, None, unique)
    if logical == "bool":
        return BoolGen(
            key, 0.7 if column.name.lower().startswith(("is_active", "active", "enabled")) else 0.5
        )
    if logical in ("char", "varchar", "text"):
        kind = string_kind(column.name) or ("text" if logical == "text" else "other")
        if kind == "product_name" and PERSON_TABLES.search(table.lower()):
            kind = "full_name"  # users.name, customers.name: a person, not a product
        if logical == "char" and column.length and column.length <= 3:
            kind = "currency" if column.length == 3 else "country"
        return string_gen(key, kind, column.length, unique)
    if logical in ("timestamp", "timestamptz"):
        return TimestampGen(key)
    if logical == "date":
        if re.search(r"birth|dob", column.name.lower()):
            return DateGen(key, DEFAULT_END - 80 * 365 * 86400, DEFAULT_END - 18 * 365 * 86400)
        return DateGen(key)
    if logical == "time":
        return TimeGen(key)
    if logical == "uuid":
        return UuidGen(key)
    if logical == "json":
        return json_gen(key, column.name)
    if logical == "blob":
        return BytesGen(key, min(column.length or 16, 64))
    raise ArenaError(
        f"arena cannot generate {table}.{column.name} of type {column.data_type}.",
        f"Configure a generator for it in a seeds YAML: tables: {{{table}: {{columns: "
        f"{{{column.name}: {{generator: choice, values: [...]}}}}}}}}.",
    )


# -- generators named in seeds YAML -------------------------------------------------------

GENERATOR_NAMES = (
    "sequence", "int", "decimal", "bool", "choice", "words", "text", "title", "email",
    "username", "slug", "sku", "url", "phone", "first_name", "last_name", "full_name",
    "company", "street", "city", "region", "country", "postcode", "currency", "color",
    "status", "token", "uuid", "timestamp", "date", "time", "json", "constant",
)  # fmt: skip


def _epoch(value: Any) -> int | None:
    if value is None:
        return None
    return int(np.datetime64(str(value), "s").astype(np.int64))


def build(key: np.uint64, column: Column, spec: dict, unique: bool) -> Gen:
    """A generator from a seeds YAML column spec (already validated by config.py)."""
    name = spec["generator"]
    max_len = column.length
    if name == "sequence":
        return SequenceGen(key, int(spec.get("start", 1)))
    if name == "int":
        return IntGen(
            key,
            int(spec.get("min", 0)),
            int(spec.get("max", 1_000_000)),
            float(spec.get("skew", 0)),
        )
    if name == "decimal":
        scale = int(spec.get("scale", column.scale if column.scale is not None else 2))
        return DecimalGen(
            key, float(spec.get("min", 0)), float(spec.get("max", 10_000)), scale,
            spec.get("median"), float(spec.get("sigma", 0.9)),
        )  # fmt: skip
    if name == "bool":
        return BoolGen(key, float(spec.get("p_true", 0.5)))
    if name == "choice":
        return ChoiceGen(key, list(spec["values"]), spec.get("weights"))
    if name == "constant":
        return ChoiceGen(key, [spec["value"]])
    if name in ("text", "words", "title"):
        n_words = (
            int(spec.get("min_words", 8 if name == "text" else 1)),
            int(spec.get("max_words", 60 if name == "text" else 6)),
        )
        return PoolGen(key, text_pool(key, max_len, n_words, sentences=name == "text"), label=name)
    if name == "uuid":
        return UuidGen(key)
    if name == "token":
        return TokenGen(
            key, int(spec.get("length", min(max_len or 12, 12))), str(spec.get("prefix", ""))
        )
    if name in ("timestamp", "date", "time"):
        cls = {"timestamp": TimestampGen, "date": DateGen, "time": TimeGen}[name]
        return cls(key, _epoch(spec.get("start")), _epoch(spec.get("end")))
    if name == "json":
        return json_gen(key, column.name)
    return string_gen(key, name, max_len, unique)
