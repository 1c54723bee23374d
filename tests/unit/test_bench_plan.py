"""Each engine's plan reader (Engine.plan_verdict) on plans in the engine's own format,
including SQL Server's SHOWPLAN_XML (no server here: its hooks are rendered and parsed only)."""

from __future__ import annotations

import json

import pytest

from arena.bench.runner import check_disk, parse_categories
from arena.engines import get_engine
from arena.errors import ArenaError, UnknownNameError

PG_INDEX = [{"Plan": {"Node Type": "Index Scan", "Index Name": "t_pkey", "Relation Name": "t"}}]
PG_SCAN = [{"Plan": {"Node Type": "Gather", "Plans": [{"Node Type": "Seq Scan"}]}}]
MY_INDEX = {"query_block": {"table": {"table_name": "t", "access_type": "const"}}}
MY_SCAN = {"query_block": {"nested_loop": [{"table": {"access_type": "ref"}},
                                           {"table": {"access_type": "ALL"}}]}}  # fmt: skip
MSSQL = '<ShowPlanXML><RelOp PhysicalOp="{op}" LogicalOp="x"></RelOp></ShowPlanXML>'


@pytest.mark.parametrize(
    ("engine", "plan", "verdict"),
    [
        ("postgres", json.dumps(PG_INDEX), "index"),
        ("postgres", json.dumps(PG_SCAN), "scan"),
        ("postgres", json.dumps([{"Plan": {"Node Type": "Result"}}]), "unknown"),
        ("mariadb", json.dumps(MY_INDEX), "index"),
        ("mysql", json.dumps(MY_SCAN), "scan"),
        ("mysql", json.dumps({"query_block": {"table": {"access_type": "index"}}}), "scan"),
        ("sqlite", "2 | 0 | 0 | SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "index"),
        ("sqlite", "2 | 0 | 0 | SCAN t", "scan"),
        ("sqlite", "2 | 0 | 0 | SCAN t USING COVERING INDEX i", "scan"),
        ("sqlserver", MSSQL.format(op="Clustered Index Seek"), "index"),
        ("sqlserver", MSSQL.format(op="Clustered Index Scan"), "scan"),
        ("sqlserver", MSSQL.format(op="Table Scan"), "scan"),
    ],
)
def test_plan_verdict(engine, plan, verdict):
    assert get_engine(engine).plan_verdict(plan) == verdict


def test_sqlserver_transaction_dialect():
    e = get_engine("sqlserver")
    assert e.begin_sql == "BEGIN TRANSACTION"
    assert e.transactions.savepoint.format(name="s1") == "SAVE TRANSACTION s1"
    assert e.transactions.release_savepoint == ""
    assert e.recursive_with == "WITH"
    assert e.lock_timeout_sql(1.5) == ["SET LOCK_TIMEOUT 1500"]
    # The statements parse as T-SQL (sqlglot has no SAVE TRANSACTION; it is checked above).
    import sqlglot

    recursive = (
        f"{e.recursive_with} tree (node, depth) AS (SELECT id, 0 FROM t WHERE up IS NULL "
        "UNION ALL SELECT c.id, tree.depth + 1 FROM t c JOIN tree ON c.up = tree.node) "
        "SELECT COUNT(*) FROM tree"
    )
    for sql in ("BEGIN TRANSACTION", "SET LOCK_TIMEOUT 1500", recursive):
        sqlglot.parse_one(sql, read="tsql")


def test_unknown_category_gets_did_you_mean():
    with pytest.raises(UnknownNameError, match="Did you mean joins"):
        parse_categories(["jions"])
    assert parse_categories(["joins,query"]) == ["query", "joins"]
    assert parse_categories([])[0] == "bulk"


class _T:
    def __init__(self, name):
        self.engine = get_engine(name)


def test_disk_estimate_refuses_what_does_not_fit():
    targets = [_T("postgres"), _T("mariadb")]
    check_disk(targets, ["bulk"], [1000], free=10**9)  # fits
    with pytest.raises(ArenaError, match="needs about"):
        check_disk(targets, ["bulk"], [10**9], free=10**9)
    check_disk(targets, ["query"], [10**9], free=10**9)  # no scaled category: nothing written
