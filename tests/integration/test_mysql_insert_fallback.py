"""MySQL/MariaDB's INSERT fallback (a server that refuses LOAD DATA LOCAL) writes BIT(n) and
POINT/GEOMETRY columns (issue 10): the same rows as the LOAD DATA path, compared by this
test's own query. Negative control: the plain Python rows (BIT as '0101' text, POINT as WKT
text) are refused by the server on that path."""

from __future__ import annotations

import pytest

from arena.introspect import introspect
from arena.seed.loaders import loader_for
from arena.seed.loaders.base import Loader
from arena.seed.plan import TablePlan
from arena.seed.table import TableGen
from tests.conftest import fresh_database

pytestmark = pytest.mark.integration

ROWS = 3000
DDL = "CREATE TABLE {} (id INT PRIMARY KEY, flags BIT(5) NOT NULL, spot POINT NOT NULL, area GEOMETRY)"
READ = "SELECT id, flags, ST_AsText(spot), ST_AsText(area) FROM {} ORDER BY id"


def _load(engine, endpoint, table_name: str, local_infile: bool, plain_rows: bool = False):
    table = introspect(engine, endpoint, [table_name]).table(table_name)
    tg = TableGen(TablePlan(table, ROWS), 9, {}, dialect=engine.sqlglot_dialect)
    loader = loader_for(engine, endpoint)
    try:
        loader.use_local_infile = local_infile
        if plain_rows:  # the rows as every other loader builds them: no conversion
            loader.python_rows = lambda tg, a, b: Loader.python_rows(loader, tg, a, b)
        return loader.load(tg, lambda n: None)
    finally:
        loader.close()


def test_insert_fallback_writes_bit_and_point_like_load_data(servers):
    # Two databases, one table name: values are keyed by (seed, table, column, row).
    with (
        fresh_database("mariadb", servers) as (engine, by_infile),
        fresh_database("mariadb", servers) as (_, by_insert),
    ):
        for endpoint in (by_infile, by_insert):
            engine.execute(endpoint, DDL.format("shapes"))
        assert _load(engine, by_infile, "shapes", True) == ROWS
        assert _load(engine, by_insert, "shapes", False) == ROWS
        infile = engine.execute(by_infile, READ.format("shapes"))[1]
        insert = engine.execute(by_insert, READ.format("shapes"))[1]
        assert len(insert) == ROWS and insert == infile
        _, rows = engine.execute(
            by_insert,
            "SELECT count(DISTINCT flags), max(flags + 0), min(ST_X(spot)) >= -180, "
            "max(ST_Y(spot)) <= 90 FROM shapes",
        )
        distinct, top, lon_ok, lat_ok = rows[0]
        assert distinct > 5 and int(top) <= 31 and lon_ok and lat_ok


def test_negative_control_unconverted_rows_are_refused_on_the_insert_path(servers):
    from arena.seed.loaders import LoadError

    with fresh_database("mariadb", servers) as (engine, endpoint):
        engine.execute(endpoint, DDL.format("plain"))
        with pytest.raises(LoadError):
            _load(engine, endpoint, "plain", False, plain_rows=True)
