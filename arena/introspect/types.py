"""Catalog type names -> arena's logical types (arena.engines.base.LOGICAL_TYPES plus "enum").

Generators work on the logical type, so a PostgreSQL `character varying`, a MySQL `varchar`
and a SQL Server `nvarchar` all get the same values. A type no generator knows maps to
"unknown"; seeding then names the table.column and its type instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

UNKNOWN = "unknown"

_EXACT = {
    # integers
    "smallint": "smallint", "int2": "smallint", "tinyint": "smallint", "year": "smallint",
    "integer": "int", "int": "int", "int4": "int", "mediumint": "int", "serial": "int",
    "bigint": "bigint", "int8": "bigint", "bigserial": "bigint",
    # exact and approximate numbers
    "numeric": "decimal", "decimal": "decimal", "money": "decimal", "smallmoney": "decimal",
    "real": "float", "float4": "float", "float8": "float", "float": "float",
    "double": "float", "double precision": "float",
    "boolean": "bool", "bool": "bool", "bit": "bool",
    # strings
    "character": "char", "char": "char", "nchar": "char", "bpchar": "char",
    "character varying": "varchar", "varchar": "varchar", "nvarchar": "varchar",
    "text": "text", "tinytext": "text", "mediumtext": "text", "longtext": "text",
    "ntext": "text", "citext": "text", "clob": "text",
    # time
    "date": "date",
    "time": "time", "time without time zone": "time",
    # (SQL Server's timestamp is rowversion, which the server writes anyway)
    "timestamp": "timestamp", "timestamp without time zone": "timestamp",
    "datetime": "timestamp", "datetime2": "timestamp", "smalldatetime": "timestamp",
    "timestamp with time zone": "timestamptz", "timestamptz": "timestamptz",
    "datetimeoffset": "timestamptz",
    # the rest
    "json": "json", "jsonb": "json",
    "uuid": "uuid", "uniqueidentifier": "uuid",
    "bytea": "blob", "blob": "blob", "tinyblob": "blob", "mediumblob": "blob",
    "longblob": "blob", "binary": "blob", "varbinary": "blob", "image": "blob",
    "enum": "enum",
}  # fmt: skip


def logical_type(data_type: str, overrides: Mapping[str, str] | None = None) -> str:
    """The logical type of a catalog `data_type` (lower-case, without length). A catalog
    module passes `overrides` for names its engine means differently (MySQL's timestamp)."""
    name = data_type.strip().lower()
    if overrides and name in overrides:
        return overrides[name]
    return _EXACT.get(name, UNKNOWN)


_DECLARED = re.compile(r"^\s*([a-z][a-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")


def sqlite_declared(declared: str) -> tuple[str, int | None, int | None, int | None]:
    """SQLite keeps the type name as written: (logical, length, precision, scale).

    Known names map like the other engines; anything else falls back to SQLite's own
    affinity rules (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).
    """
    match = _DECLARED.match(declared.lower())
    name, first, second = (
        (match.group(1), match.group(2), match.group(3)) if match else ("", None, None)
    )
    logical = logical_type(name) if name else "blob"
    if logical == UNKNOWN:
        upper = declared.upper()
        if "INT" in upper:
            logical = "int"
        elif any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
            logical = "text"
        elif "BLOB" in upper or not upper.strip():
            logical = "blob"
        elif any(word in upper for word in ("REAL", "FLOA", "DOUB")):
            logical = "float"
        else:
            logical = "decimal"
    length = precision = scale = None
    if first is not None:
        if logical in ("char", "varchar"):
            length = int(first)
        elif logical == "decimal":
            precision, scale = int(first), int(second or 0)
    return logical, length, precision, scale


def sizing(
    logical: str, length: int | None, precision: int | None, scale: int | None
) -> dict[str, int | None]:
    """The size fields that mean something for a logical type: a length for char/varchar,
    precision and scale for decimal. Catalogs fill them for other types too (e.g. an integer's
    numeric precision), which generators must not read as limits."""
    # "unknown" keeps it too: a bit(n) width, read by arena/seed/typed.py.
    text, exact = logical in ("char", "varchar", "unknown"), logical == "decimal"
    return {
        "length": length if text else None,
        "precision": precision if exact else None,
        "scale": scale if exact else None,
    }
