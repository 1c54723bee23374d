"""SQL Server seeds a NOT NULL FK cycle with the cycle's FK NOCHECKed for the load and turned
back on WITH CHECK afterwards (checking every row). SQL Server cannot run here: the T-SQL is
checked with sqlglot's tsql tokenizer (sqlglot parses ALTER TABLE ... CHECK CONSTRAINT only
as an opaque Command), including names that need quoting."""

from __future__ import annotations

import sqlglot
from sqlglot.tokens import TokenType

from arena.engines import get_engine
from arena.schema import Column, ForeignKey, Table
from arena.seed.loaders.sqlserver import nocheck_statements

STORE = Table(
    "store]x",  # a name that must be quoted with its bracket doubled
    (Column("store_id", "int", "int", False), Column("manager_id", "int", "int", False)),
    ("store_id",),
    (ForeignKey("store manager", ("manager_id",), "staff", ("staff_id",)),),
)


def _shape(sql: str) -> tuple[list[str], list[str]]:
    tokens = sqlglot.tokenize(sql, read="tsql")
    words = [t.text.upper() for t in tokens if t.token_type != TokenType.IDENTIFIER]
    names = [t.text for t in tokens if t.token_type == TokenType.IDENTIFIER]  # quoted names
    return words, names


def test_cycle_fks_are_nochecked_then_checked_with_check():
    engine = get_engine("sqlserver")
    before, after = nocheck_statements(engine, ((STORE, STORE.foreign_keys[0]),))
    assert before == ["ALTER TABLE [store]]x] NOCHECK CONSTRAINT [store manager]"]
    assert after == ["ALTER TABLE [store]]x] WITH CHECK CHECK CONSTRAINT [store manager]"]
    words, names = _shape(before[0])
    assert words == ["ALTER", "TABLE", "NOCHECK", "CONSTRAINT"] and names == [
        "store]x",
        "store manager",
    ]
    words, names = _shape(after[0])
    assert words == ["ALTER", "TABLE", "WITH", "CHECK", "CHECK", "CONSTRAINT"]
    assert names == ["store]x", "store manager"]
    for sql in before + after:
        assert sqlglot.parse_one(sql, read="tsql").sql("tsql") == sql  # round-trips


def test_no_cycle_no_statements():
    assert nocheck_statements(get_engine("sqlserver"), ()) == ([], [])
