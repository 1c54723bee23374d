"""MySQL and MariaDB: information_schema of the connection's database (DATABASE()).

ENUM labels come from COLUMN_TYPE; CHECKs from CHECK_CONSTRAINTS, which MariaDB keys by table
(it has TABLE_NAME; names are unique per table) and MySQL 8 by schema (joined through
TABLE_CONSTRAINTS). MariaDB's JSON is LONGTEXT plus a CHECK (json_valid(col)) named after the
column; arena reports such a column as json and drops that implied CHECK.
https://mariadb.com/kb/en/information-schema-check_constraints-table/
https://dev.mysql.com/doc/refman/8.4/en/information-schema-check-constraints-table.html
"""

from __future__ import annotations

import re
from typing import Any

from arena.introspect import triggers
from arena.introspect.checks import check_column, parse_check
from arena.introspect.common import TableParts, attach_foreign_keys, delete_rule
from arena.introspect.types import logical_type, sizing
from arena.schema import Column, Index, Schema, Unique

# MySQL's TIMESTAMP converts to UTC and back (arena renders timestamptz as it); elsewhere a
# plain timestamp has no zone.
MYSQL_TYPES = {"timestamp": "timestamptz"}
_BIT_WIDTH = re.compile(r"^bit\((\d+)\)")

TABLES = """
SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME
"""

TRIGGERS = """
SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT
FROM information_schema.TRIGGERS
WHERE TRIGGER_SCHEMA = DATABASE()
ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME
"""

COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
       CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, EXTRA
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION
"""

INDEXES = """
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""

FOREIGN_KEYS = """
SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
       k.REFERENCED_COLUMN_NAME, r.DELETE_RULE
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
 AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""

CHECK_COLUMNS = """
SELECT COLUMN_NAME FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'CHECK_CONSTRAINTS'
"""

CHECKS_MARIADB = """
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()
"""

CHECKS_MYSQL = """
SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'
"""

_ENUM_LABEL = re.compile(r"'((?:[^']|'')*)'")


def read_schema(engine: Any, conn: Any) -> Schema:
    cur = conn.cursor()

    def rows(sql: str) -> list[tuple]:
        cur.execute(sql)
        return [tuple(_text(v) for v in row) for row in cur.fetchall()]

    parts = {name: TableParts(name=name) for (name,) in rows(TABLES)}
    mariadb = "mariadb" in engine.server_version(conn).lower()

    check_rows = _check_rows(rows)
    json_columns = set()
    for table, name, clause in check_rows:
        column = check_column(clause, "mysql") if "json_valid" in clause.lower() else None
        if column is not None and name == column:
            json_columns.add((table, column))

    for row in rows(COLUMNS):
        (table, name, data_type, column_type, nullable, default, length, precision, scale,
         extra) = row  # fmt: skip
        target = parts.get(table)
        if target is None:
            continue
        data_type, extra = data_type.lower(), (extra or "").upper()
        column_type = column_type.lower()
        enum_values = None
        if data_type in ("enum", "set"):  # SET's labels: arena/seed/typed.py draws subsets
            enum_values = tuple(v.replace("''", "'") for v in _ENUM_LABEL.findall(column_type))
        if (table, name) in json_columns:
            data_type = "json"
        logical = logical_type(data_type, MYSQL_TYPES)
        if column_type.startswith("tinyint(1)"):  # BOOLEAN is an alias of TINYINT(1)
            logical = "bool"
        bits = _BIT_WIDTH.match(column_type)
        if bits and int(bits.group(1)) > 1:  # BIT(n): a bit string; BIT(1) stays a boolean
            logical, length, precision = "unknown", int(bits.group(1)), None
        if mariadb and default == "NULL":  # MariaDB spells "no default" as the word NULL
            default = None
        target.columns.append(
            Column(
                name=name,
                data_type=data_type,
                logical=logical,
                nullable=nullable == "YES",
                **sizing(logical, length, precision, scale),
                default=default,
                identity="AUTO_INCREMENT" in extra,
                # MySQL 8 marks expression defaults DEFAULT_GENERATED: those are written.
                generated=any(w in extra for w in ("VIRTUAL GENERATED", "STORED GENERATED",
                                                   "PERSISTENT GENERATED")),
                enum_values=enum_values,
            )
        )  # fmt: skip

    indexes: dict[tuple[str, str], list[str | None]] = {}
    non_unique: dict[tuple[str, str], bool] = {}
    for table, index, nonunique, _seq, column in rows(INDEXES):
        indexes.setdefault((table, index), []).append(column)
        non_unique[(table, index)] = bool(int(nonunique))
    for (table, index), columns in indexes.items():
        target = parts.get(table)
        if target is None or None in columns:  # a functional key part (MySQL 8.0.13+)
            continue
        cols = tuple(c for c in columns if c is not None)
        if index == "PRIMARY":
            target.primary_key = cols
            continue
        unique = not non_unique[(table, index)]
        target.indexes.append(Index(name=index, columns=cols, unique=unique))
        if unique:
            target.uniques.append(Unique(name=index, columns=cols))

    attach_foreign_keys(
        parts, rows(FOREIGN_KEYS), lambda rule: _same_as_no_action(delete_rule(rule))
    )

    for table, name, clause in check_rows:
        target = parts.get(table)
        if target is None or (table, name) in json_columns:
            continue
        target.checks.append(parse_check(name, clause, engine.sqlglot_dialect))

    for table, name, timing, event, body in rows(TRIGGERS):
        target = parts.get(table)
        if target is not None:
            target.triggers.append(triggers.trigger(name, timing, (event,), body))

    return Schema(engine=engine.name, tables=tuple(p.freeze() for p in parts.values()))


def _same_as_no_action(rule: str) -> str:
    """InnoDB checks immediately either way, so RESTRICT is NO ACTION; MariaDB reports the
    default as RESTRICT. https://dev.mysql.com/doc/refman/8.4/en/create-table-foreign-keys.html"""
    return "NO ACTION" if rule == "RESTRICT" else rule


def _check_rows(rows) -> list[tuple]:
    available = {c.upper() for (c,) in rows(CHECK_COLUMNS)}
    if not available:  # before MySQL 8.0.16 / MariaDB 10.2.22 CHECKs were not kept
        return []
    return rows(CHECKS_MARIADB if "TABLE_NAME" in available else CHECKS_MYSQL)


def _text(value: Any) -> Any:
    """MySQL 8 returns some information_schema columns as bytes."""
    return value.decode() if isinstance(value, bytes | bytearray) else value
