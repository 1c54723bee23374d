"""SQLite: PRAGMA table_list / table_xinfo / foreign_key_list / index_list / index_info, and
CHECKs from the CREATE TABLE text in sqlite_master (SQLite has no catalog of them).

https://www.sqlite.org/pragma.html . SQLite keeps no constraint names for foreign keys and
unique constraints in its PRAGMAs, so names come from the CREATE TABLE text when it gives
them (CONSTRAINT name ...), else they are made up the way PostgreSQL would name them.
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp

from arena.introspect import triggers
from arena.introspect.checks import parse_check
from arena.introspect.common import TableParts, delete_rule
from arena.introspect.types import sqlite_declared
from arena.schema import Check, Column, ForeignKey, Index, Schema, Unique


def read_schema(engine: Any, conn: Any) -> Schema:
    cur = conn.cursor()
    definitions = dict(
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL"
        ).fetchall()
    )
    parts: dict[str, TableParts] = {}
    without_rowid: set[str] = set()
    # schema, name, type, ncol, wr, strict; type 'table' excludes views, virtual and shadow
    # tables. sqlite_% are SQLite's own (sqlite_sequence, sqlite_stat1).
    for _schema, name, kind, _ncol, wr, _strict in cur.execute("PRAGMA main.table_list"):
        if kind == "table" and not name.startswith("sqlite_"):
            parts[name] = TableParts(name=name)
            if wr:
                without_rowid.add(name)
    for name in sorted(parts):
        _read_table(engine, cur, parts[name], definitions, name in without_rowid)
    for name, table, sql in cur.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    ).fetchall():
        if table in parts:
            # the text after the header: the trigger program
            timing, events = triggers.header(re.split(r"\bON\b", sql, maxsplit=1, flags=re.I)[0])
            body = re.split(r"\bBEGIN\b", sql, maxsplit=1, flags=re.I)[-1]
            parts[table].triggers.append(triggers.trigger(name, timing, events, body))
    return Schema(engine=engine.name, tables=tuple(parts[n].freeze() for n in sorted(parts)))


def _read_table(
    engine: Any, cur: Any, table: TableParts, definitions: dict[str, str], no_rowid: bool
) -> None:
    q = engine.quote(table.name)
    pk_columns: list[tuple[int, str]] = []
    columns = cur.execute(f"PRAGMA main.table_xinfo({q})").fetchall()
    for _cid, name, _declared, _notnull, _default, pk, hidden in columns:
        if hidden == 1:  # a virtual table's hidden column
            continue
        if pk:
            pk_columns.append((pk, name))
    table.primary_key = tuple(name for _, name in sorted(pk_columns))
    # A single INTEGER PRIMARY KEY is the rowid: SQLite assigns it when it is left out.
    # https://www.sqlite.org/lang_createtable.html#rowid
    rowid_alias = (
        not no_rowid
        and len(table.primary_key) == 1
        and any(c[1] == table.primary_key[0] and c[2].upper() == "INTEGER" for c in columns)
    )
    for _cid, name, declared, notnull, default, _pk, hidden in columns:
        if hidden == 1:
            continue
        logical, length, precision, scale = sqlite_declared(declared or "")
        identity = rowid_alias and name == table.primary_key[0]
        if identity:
            logical = "bigint"  # the rowid is a 64-bit integer whatever the declared name
        table.columns.append(
            Column(
                name=name,
                data_type=(declared or "").lower(),
                logical=logical,
                # PRIMARY KEY does not imply NOT NULL in SQLite, except for the rowid alias
                nullable=not notnull and not identity,
                length=length,
                precision=precision,
                scale=scale,
                default=default,
                identity=identity,
                generated=hidden in (2, 3),
            )
        )

    named = _named_constraints(definitions.get(table.name, ""))

    fks: dict[int, list[tuple]] = {}
    for row in cur.execute(f"PRAGMA main.foreign_key_list({q})"):
        fks.setdefault(row[0], []).append(row)
    for rows in fks.values():
        rows.sort(key=lambda r: r[1])
        ref_table = rows[0][2]
        local = tuple(r[3] for r in rows)
        ref_cols = tuple(r[4] for r in rows)
        if any(c is None for c in ref_cols):  # REFERENCES t without columns: t's primary key
            ref_cols = _primary_key(cur, engine, ref_table)
        table.foreign_keys.append(
            ForeignKey(
                name=named.get(("fk", local), f"{table.name}_{'_'.join(local)}_fkey"),
                columns=local,
                ref_table=ref_table,
                ref_columns=ref_cols,
                on_delete=delete_rule(rows[0][6]),
                deferrable=_deferred(definitions.get(table.name, ""), ref_table),
            )
        )

    for _seq, index_name, unique, origin, partial in cur.execute(
        f"PRAGMA main.index_list({q})"
    ).fetchall():
        if origin == "pk":
            continue
        info = cur.execute(f"PRAGMA main.index_info({engine.quote(index_name)})").fetchall()
        if any(name is None for _, _, name in info):  # an expression key
            continue
        cols = tuple(name for _, _, name in sorted(info))
        where = _where(definitions.get(index_name, "")) if partial else None
        name = named.get(("unique", cols), index_name) if origin == "u" else index_name
        table.indexes.append(Index(name=name, columns=cols, unique=bool(unique)))
        if unique:
            table.uniques.append(Unique(name=name, columns=cols, where=where))

    table.checks.extend(_checks(table.name, definitions.get(table.name, "")))


def _primary_key(cur: Any, engine: Any, table: str) -> tuple[str, ...]:
    rows = cur.execute(f"PRAGMA main.table_info({engine.quote(table)})").fetchall()
    return tuple(r[1] for r in sorted((r for r in rows if r[5]), key=lambda r: r[5]))


# Table options after the closing parenthesis (WITHOUT ROWID, STRICT) that sqlglot does not
# know: it would fall back to an opaque Command and every CHECK would go unread.
_TABLE_OPTIONS = re.compile(r"\)\s*((WITHOUT\s+ROWID|STRICT)\s*,?\s*)+;?\s*$", re.IGNORECASE)


def _parse(sql: str) -> exp.Expression | None:
    sql = _TABLE_OPTIONS.sub(")", sql)
    try:
        tree = sqlglot.parse_one(sql, read="sqlite", error_level=sqlglot.ErrorLevel.RAISE)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    # Syntax sqlglot only half knows comes back as a Command: callers then scan by hand.
    return None if isinstance(tree, exp.Command) else tree


def _named_constraints(sql: str) -> dict[tuple[str, tuple[str, ...]], str]:
    """('fk'|'unique', columns) -> the name a CONSTRAINT clause gave it."""
    tree = _parse(sql) if sql else None
    named: dict[tuple[str, tuple[str, ...]], str] = {}
    if tree is None:
        return named
    for constraint in tree.find_all(exp.Constraint):
        for item in constraint.expressions:
            if isinstance(item, exp.ForeignKey):
                cols = tuple(e.name for e in item.expressions)
                named[("fk", cols)] = constraint.name
            elif isinstance(item, exp.UniqueColumnConstraint):
                cols = tuple(i.name for i in item.find_all(exp.Identifier))
                named[("unique", cols)] = constraint.name
    return named


def _checks(table: str, sql: str) -> list[Check]:
    tree = _parse(sql) if sql else None
    if tree is None:
        return [
            parse_check(f"{table}_check{i}", text, "sqlite")
            for i, text in enumerate(_scan_checks(sql), 1)
        ]
    checks = []
    for i, node in enumerate(tree.find_all(exp.CheckColumnConstraint), 1):
        parent = node.parent
        name = None
        if isinstance(parent, exp.Constraint | exp.ColumnConstraint) and parent.args.get("this"):
            name = parent.args["this"].name
        check = parse_check(name or "", node.this.sql("sqlite"), "sqlite")
        if not name:
            name = f"{table}_{check.column}_check" if check.column else f"{table}_check{i}"
            check = _with_name(check, name)
        checks.append(check)
    return checks


def _with_name(check: Check, name: str) -> Check:
    from dataclasses import replace

    return replace(check, name=name)


def _scan_checks(sql: str) -> list[str]:
    """CHECK (...) bodies found by hand when sqlglot cannot parse the CREATE TABLE."""
    bodies = []
    for match in re.finditer(r"\bCHECK\s*\(", sql, re.IGNORECASE):
        depth, i, quote = 1, match.end(), ""
        while i < len(sql) and depth:
            ch = sql[i]
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "'\"`[":
                quote = "]" if ch == "[" else ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        bodies.append(sql[match.end() : i - 1].strip())
    return bodies


def _where(index_sql: str) -> str | None:
    tree = _parse(index_sql) if index_sql else None
    if tree is not None:
        where = tree.find(exp.Where)
        if where is not None:
            return where.this.sql("sqlite")
    match = re.search(r"\bWHERE\b(.*)$", index_sql, re.IGNORECASE | re.DOTALL)
    return match.group(1).strip() if match else None


def _deferred(sql: str, ref_table: str) -> bool:
    """REFERENCES ref_table (...) ... DEFERRABLE INITIALLY DEFERRED, before the next comma."""
    pattern = (
        r"REFERENCES\s+[\"`\[]?" + re.escape(ref_table) + r"[\"`\]]?\s*(\([^)]*\))?[^,]*?"
        r"DEFERRABLE\s+INITIALLY\s+DEFERRED"
    )
    return re.search(pattern, sql, re.IGNORECASE) is not None
