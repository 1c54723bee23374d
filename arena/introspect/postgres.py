"""PostgreSQL (and Supabase): information_schema for columns, pg_catalog for what it lacks.

pg_catalog supplies enum labels (pg_enum), domains and their CHECKs, partitioned parents
(relkind 'p', partitions skipped via relispartition), partial unique indexes (indpred) and
index column order. https://www.postgresql.org/docs/current/catalogs.html
Only the schemas on the connection's search_path are read (current_schemas(false)).
"""

from __future__ import annotations

import re
from typing import Any

from arena.introspect import triggers
from arena.introspect.checks import parse_check
from arena.introspect.common import TableParts
from arena.introspect.types import UNKNOWN, logical_type
from arena.schema import Check, Column, ForeignKey, Index, Schema, Unique

TABLES = """
SELECT n.nspname, c.relname, c.relkind = 'p'
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname = ANY (current_schemas(false))
ORDER BY n.nspname, c.relname
"""

# Row and statement triggers with their function's source (PL/pgSQL text); tgtype bits:
# 2 BEFORE, 64 INSTEAD OF, 4 INSERT, 8 DELETE, 16 UPDATE (src/include/catalog/pg_trigger.h).
TRIGGERS = """
SELECT n.nspname, c.relname, t.tgname, t.tgtype, p.prosrc
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = ANY (current_schemas(false))
ORDER BY n.nspname, c.relname, t.tgname
"""

COLUMNS = """
SELECT table_schema, table_name, column_name, lower(data_type), udt_schema, udt_name,
       is_nullable = 'YES', column_default, character_maximum_length, numeric_precision,
       numeric_scale, is_identity = 'YES', is_generated = 'ALWAYS', domain_schema, domain_name
FROM information_schema.columns
WHERE table_schema = ANY (current_schemas(false))
ORDER BY table_schema, table_name, ordinal_position
"""

ENUMS = """
SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
GROUP BY n.nspname, t.typname
ORDER BY n.nspname, t.typname
"""

DOMAINS = """
SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
       coalesce(array_agg(c.conname::text ORDER BY c.conname)
                FILTER (WHERE c.oid IS NOT NULL), '{}'),
       coalesce(array_agg(pg_get_constraintdef(c.oid) ORDER BY c.conname)
                FILTER (WHERE c.oid IS NOT NULL), '{}')
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_constraint c ON c.contypid = t.oid AND c.contype = 'c'
WHERE t.typtype = 'd' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
GROUP BY n.nspname, t.typname, t.typbasetype, t.typtypmod, t.typnotnull
ORDER BY n.nspname, t.typname
"""

# Declared array dimensions (information_schema only says ARRAY) and composite types' fields.
ARRAY_DIMS = """
SELECT n.nspname, c.relname, a.attname, a.attndims
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE a.attndims > 1 AND NOT a.attisdropped AND n.nspname = ANY (current_schemas(false))
"""

# The type modifier of extension types' columns: pgvector's vector(n) keeps n there, and
# information_schema says only USER-DEFINED. Read as the column's length.
TYPMODS = """
SELECT n.nspname, c.relname, a.attname, a.atttypmod
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
WHERE a.atttypmod > 0 AND a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'b'
  AND tn.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname = ANY (current_schemas(false))
"""

COMPOSITES = """
SELECT n.nspname, t.typname,
       array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
GROUP BY n.nspname, t.typname
"""

# PostgreSQL's bit(n) is a bit string, not a boolean (MySQL's BIT(1) is one).
PG_TYPES = {"bit": UNKNOWN, "bit varying": UNKNOWN}

# conparentid = 0: an FK that references a partitioned table is cloned once per partition;
# only the original counts.
CONSTRAINTS = """
SELECT rn.nspname, r.relname, c.conname, c.contype,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       f.relname,
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num
             ORDER BY k.ord),
       c.confdeltype, c.condeferrable, pg_get_constraintdef(c.oid)
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
LEFT JOIN pg_catalog.pg_class f ON f.oid = c.confrelid
WHERE rn.nspname = ANY (current_schemas(false)) AND c.contype IN ('p', 'f', 'c')
  AND c.conparentid = 0
ORDER BY rn.nspname, r.relname, c.conname
"""

# Key columns only (INCLUDE columns come after indnkeyatts); attnum 0 marks an expression.
INDEXES = """
SELECT n.nspname, t.relname, i.relname, x.indisunique, x.indisprimary,
       ARRAY(SELECT coalesce(a.attname::text, '')
             FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, ord)
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = x.indrelid AND a.attnum = k.num
             WHERE k.ord <= x.indnkeyatts ORDER BY k.ord),
       pg_get_expr(x.indpred, x.indrelid)
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = ANY (current_schemas(false)) AND t.relkind IN ('r', 'p')
ORDER BY n.nspname, t.relname, i.relname
"""

# https://www.postgresql.org/docs/current/catalog-pg-constraint.html (confdeltype)
DELETE_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def read_schema(engine: Any, conn: Any) -> Schema:
    cur = conn.cursor()

    def rows(sql: str) -> list[tuple]:
        cur.execute(sql)
        return cur.fetchall()

    parts: dict[tuple[str, str], TableParts] = {}
    for nsp, name, partitioned in rows(TABLES):
        parts[(nsp, name)] = TableParts(name=name, schema=nsp, partitioned=partitioned)

    enums: dict[tuple[str, str], tuple[str, ...]] = {
        (nsp, name): tuple(labels) for nsp, name, labels in rows(ENUMS)
    }
    domains: dict[tuple[str, str], tuple[str, bool, list[tuple[str, str]]]] = {
        (nsp, name): (base, notnull, list(zip(names, defs, strict=True)))
        for nsp, name, base, notnull, names, defs in rows(DOMAINS)
    }

    dims = {(nsp, table, col): n for nsp, table, col, n in rows(ARRAY_DIMS)}
    composites = {(nsp, name): list(fields) for nsp, name, fields in rows(COMPOSITES)}
    typmods = {(nsp, table, col): n for nsp, table, col, n in rows(TYPMODS)}

    for row in rows(COLUMNS):
        (nsp, table, column, data_type, udt_nsp, udt_name, nullable, default, length,
         precision, scale, identity, generated, dom_nsp, dom_name) = row  # fmt: skip
        target = parts.get((nsp, table))
        if target is None:  # a view's columns
            continue
        enum_values = enums.get((udt_nsp, udt_name))
        if enum_values is not None:
            logical, data_type = "enum", udt_name
        elif data_type == "array":
            # "_int4" -> "int4[]" ("int4[][]" when declared with two dimensions): the seed
            # generators (arena/seed/typed.py) build the array literal from it.
            logical = UNKNOWN
            data_type = udt_name[1:] + "[]" * max(1, dims.get((nsp, table, column), 1))
            enum_values = enums.get((udt_nsp, udt_name[1:]))  # an array of an enum
        elif (udt_nsp, udt_name) in composites:
            logical = UNKNOWN
            data_type = f"row({', '.join(composites[(udt_nsp, udt_name)])})"
        elif data_type == "user-defined":
            logical, data_type = logical_type(udt_name), udt_name
            length = typmods.get((nsp, table, column), length)
        else:
            logical = logical_type(data_type, PG_TYPES)
        serial = bool(default) and default.startswith("nextval(")
        if dom_name is not None:
            base, dom_notnull, dom_checks = domains.get((dom_nsp, dom_name), ("", False, []))
            nullable = nullable and not dom_notnull
            for con_name, definition in dom_checks:
                target.checks.append(_domain_check(engine, dom_name, con_name, definition, column))
        target.columns.append(
            Column(
                name=column,
                data_type=data_type,
                logical=logical,
                nullable=nullable,
                length=length,
                precision=precision if logical == "decimal" else None,
                scale=scale if logical == "decimal" else None,
                default=None if identity else default,
                identity=identity or serial,
                generated=generated,
                enum_values=enum_values,
                domain=dom_name,
            )
        )

    for row in rows(CONSTRAINTS):
        nsp, table, name, kind, columns, ref_table, ref_columns, on_delete, deferrable, text = row
        target = parts.get((nsp, table))
        if target is None:
            continue
        if kind == "p":
            target.primary_key = tuple(columns)
        elif kind == "f":
            target.foreign_keys.append(
                ForeignKey(
                    name=name,
                    columns=tuple(columns),
                    ref_table=ref_table,
                    ref_columns=tuple(ref_columns),
                    on_delete=DELETE_ACTIONS.get(on_delete, "NO ACTION"),
                    deferrable=deferrable,
                )
            )
        else:
            target.checks.append(parse_check(name, text, engine.sqlglot_dialect))

    for nsp, table, name, unique, primary, columns, where in rows(INDEXES):
        target = parts.get((nsp, table))
        if target is None or primary:
            continue
        if "" in columns:
            # An expression key (e.g. lower(email)) is no column list a seeder can honour
            # directly; it is left out rather than reported as something it is not.
            continue
        target.indexes.append(Index(name=name, columns=tuple(columns), unique=unique))
        if unique:
            target.uniques.append(Unique(name=name, columns=tuple(columns), where=where))

    for nsp, table, name, tgtype, body in rows(TRIGGERS):
        target = parts.get((nsp, table))
        if target is not None:
            timing = "INSTEAD OF" if tgtype & 64 else "BEFORE" if tgtype & 2 else "AFTER"
            events = tuple(
                e for bit, e in ((4, "INSERT"), (16, "UPDATE"), (8, "DELETE")) if tgtype & bit
            )
            target.triggers.append(triggers.trigger(name, timing, events, body))

    return Schema(
        engine=engine.name,
        tables=tuple(p.freeze() for p in parts.values()),
        enums={name: labels for (_, name), labels in enums.items()},
        domains={name: base for (_, name), (base, _, _) in domains.items()},
    )


_VALUE = re.compile(r"\bVALUE\b")


def _domain_check(engine: Any, domain: str, name: str, definition: str, column: str) -> Check:
    """A domain's CHECK speaks of VALUE; on a column it constrains that column."""
    text = _VALUE.sub(lambda _: engine.quote(column), definition)
    return parse_check(f"{domain}.{name}", text, engine.sqlglot_dialect)
