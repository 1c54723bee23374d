"""`arena inspect` and `arena schema ...` end to end on an embedded SQLite project."""

from __future__ import annotations

import json

import sqlglot
from click.testing import CliRunner

from arena.cli import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_schema_list_and_show(project):
    listed = invoke("schema", "list", "--json")
    assert listed.exit_code == 0
    names = [row["name"] for row in json.loads(listed.output)]
    assert names == ["ecommerce", "cms", "social", "project", "finance", "timeseries"]
    shown = invoke("schema", "show", "finance", "--engine", "sqlserver")
    assert shown.exit_code == 0
    statements = [s for s in shown.output.split(";\n") if s.strip()]
    assert all(sqlglot.parse_one(s, read="tsql") for s in statements)
    assert "CREATE TABLE [transfers]" in shown.output


def test_apply_then_inspect(project):
    assert invoke("up", "sqlite").exit_code == 0
    empty = invoke("inspect")
    assert empty.exit_code == 0
    assert "sqlite has no tables" in empty.output
    applied = invoke("schema", "apply", "project")
    assert applied.exit_code == 0, applied.output
    assert "sqlite" in applied.output and "project" in applied.output
    human = invoke("inspect", "sqlite", "--table", "tasks")
    assert human.exit_code == 0
    assert "parent_id -> tasks (self)" in human.output
    data = json.loads(invoke("inspect", "--json").output)
    tasks = next(t for t in data["sqlite"]["tables"] if t["name"] == "tasks")
    priority = next(c for c in tasks["checks"] if c["column"] == "priority")
    assert (priority["low"], priority["high"]) == (1, 5)
    again = invoke("schema", "apply", "project")
    assert again.exit_code == 2
    assert "already has" in again.output and "--drop" in again.output
    assert invoke("schema", "apply", "project", "--drop").exit_code == 0


def test_bad_names_exit_2_with_one_line(project):
    unknown = invoke("schema", "apply", "ecomerce")
    assert unknown.exit_code == 2
    assert "Unknown schema 'ecomerce'. Did you mean ecommerce?" in unknown.output
    assert "Traceback" not in unknown.output
    nothing_up = invoke("inspect")
    assert nothing_up.exit_code == 2 and "Nothing is up" in nothing_up.output
    assert invoke("up", "sqlite").exit_code == 0
    invoke("schema", "apply", "social", "--engines", "sqlite")
    bad_table = invoke("inspect", "--table", "post")
    assert bad_table.exit_code == 2 and "Did you mean posts?" in bad_table.output
    bad_engine = invoke("schema", "show", "social", "--engine", "postgress")
    assert bad_engine.exit_code == 2 and "Did you mean postgres?" in bad_engine.output
