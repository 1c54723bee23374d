"""SQL Server: INFORMATION_SCHEMA.COLUMNS for types, sys.* for what it lacks (identity and
computed columns, CHECK definitions, unique indexes with their filters), in the user's
default schema (SCHEMA_NAME()).

Not run against a live server on arena's development machines (none can run here): the
queries are checked by parsing them with sqlglot's tsql dialect, and the CHECK spellings SQL
Server stores (`([status]='a' OR [status]='b')`, `([amount]>=(0))`) by the parser tests.
https://learn.microsoft.com/sql/relational-databases/system-catalog-views/catalog-views-transact-sql
"""

from __future__ import annotations

from typing import Any

from arena.introspect import triggers
from arena.introspect.checks import parse_check
from arena.introspect.common import TableParts, attach_foreign_keys
from arena.introspect.types import logical_type, sizing
from arena.schema import Column, Index, Schema, Unique

TABLES = """
SELECT t.name
FROM sys.tables t
WHERE t.is_ms_shipped = 0 AND t.schema_id = SCHEMA_ID()
ORDER BY t.name
"""

COLUMNS = """
SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT,
       c.CHARACTER_MAXIMUM_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE,
       sc.is_identity, sc.is_computed
FROM INFORMATION_SCHEMA.COLUMNS c
JOIN sys.columns sc
  ON sc.object_id = OBJECT_ID(QUOTENAME(c.TABLE_SCHEMA) + '.' + QUOTENAME(c.TABLE_NAME))
 AND sc.name = c.COLUMN_NAME
WHERE c.TABLE_SCHEMA = SCHEMA_NAME()
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION
"""

# key_ordinal > 0: key columns only (INCLUDE columns have 0); type > 0 skips the heap.
INDEXES = """
SELECT t.name, i.name, i.is_primary_key, i.is_unique, i.filter_definition,
       ic.key_ordinal, c.name
FROM sys.indexes i
JOIN sys.tables t ON t.object_id = i.object_id
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE t.schema_id = SCHEMA_ID() AND i.type > 0 AND ic.key_ordinal > 0
ORDER BY t.name, i.name, ic.key_ordinal
"""

FOREIGN_KEYS = """
SELECT t.name, fk.name, pc.name, rt.name, rc.name, fk.delete_referential_action_desc,
       fkc.constraint_column_id
FROM sys.foreign_keys fk
JOIN sys.tables t ON t.object_id = fk.parent_object_id
JOIN sys.tables rt ON rt.object_id = fk.referenced_object_id
JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns rc
  ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE t.schema_id = SCHEMA_ID()
ORDER BY t.name, fk.name, fkc.constraint_column_id
"""

CHECKS = """
SELECT t.name, cc.name, cc.definition
FROM sys.check_constraints cc
JOIN sys.tables t ON t.object_id = cc.parent_object_id
WHERE t.schema_id = SCHEMA_ID()
ORDER BY t.name, cc.name
"""

# DML triggers with their CREATE TRIGGER text (timing and events are read from it).
TRIGGERS = """
SELECT t.name, tr.name, m.definition
FROM sys.triggers tr
JOIN sys.tables t ON t.object_id = tr.parent_id
JOIN sys.sql_modules m ON m.object_id = tr.object_id
WHERE t.schema_id = SCHEMA_ID() AND tr.is_disabled = 0
ORDER BY t.name, tr.name
"""

QUERIES = (TABLES, COLUMNS, INDEXES, FOREIGN_KEYS, CHECKS, TRIGGERS)


def read_schema(engine: Any, conn: Any) -> Schema:
    cur = conn.cursor()

    def rows(sql: str) -> list[tuple]:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]

    parts = {name: TableParts(name=name, schema=None) for (name,) in rows(TABLES)}

    for row in rows(COLUMNS):
        (table, name, data_type, nullable, default, length, precision, scale, identity,
         computed) = row  # fmt: skip
        target = parts.get(table)
        if target is None:
            continue
        data_type = data_type.lower()
        logical = logical_type(data_type)
        if logical == "varchar" and length == -1:  # nvarchar(max)
            logical = "text"
        target.columns.append(
            Column(
                name=name,
                data_type=data_type,
                logical=logical,
                nullable=nullable == "YES",
                **sizing(logical, length, precision, scale),
                default=default,
                identity=bool(identity),
                # rowversion (timestamp) is written by the server too
                generated=bool(computed) or data_type in ("timestamp", "rowversion"),
            )
        )

    indexes: dict[tuple[str, str], dict[str, Any]] = {}
    for table, index, primary, unique, where, _ordinal, column in rows(INDEXES):
        entry = indexes.setdefault(
            (table, index), {"primary": primary, "unique": unique, "where": where, "cols": []}
        )
        entry["cols"].append(column)
    for (table, index), entry in indexes.items():
        target = parts.get(table)
        if target is None:
            continue
        cols = tuple(entry["cols"])
        if entry["primary"]:
            target.primary_key = cols
            continue
        target.indexes.append(Index(name=index, columns=cols, unique=bool(entry["unique"])))
        if entry["unique"]:
            target.uniques.append(Unique(name=index, columns=cols, where=entry["where"]))

    attach_foreign_keys(parts, rows(FOREIGN_KEYS))

    for table, name, definition in rows(CHECKS):
        target = parts.get(table)
        if target is not None:
            target.checks.append(parse_check(name, definition, engine.sqlglot_dialect))

    for table, name, definition in rows(TRIGGERS):
        target = parts.get(table)
        if target is not None:
            timing, events = triggers.header(definition)
            target.triggers.append(triggers.trigger(name, timing, events, definition))

    return Schema(engine=engine.name, tables=tuple(p.freeze() for p in parts.values()))
