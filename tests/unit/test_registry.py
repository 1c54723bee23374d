"""Engine registry and dialect data: golden tables per engine."""

from __future__ import annotations

import pytest

from arena.engines import ENGINES, all_engines, get_engine
from arena.engines.base import LOGICAL_TYPES, Engine
from arena.engines.mariadb import MariaDB
from arena.engines.mysql import MySQL
from arena.engines.postgres import Postgres
from arena.engines.supabase import Supabase
from arena.errors import UnknownNameError


def test_registry_has_the_six_engines():
    assert set(ENGINES) == {"postgres", "mysql", "mariadb", "sqlserver", "supabase", "sqlite"}


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("postgress", "postgres"),
        ("mysq", "mysql"),
        ("mariadbb", "mariadb"),
        ("sqlsrv", "sqlserver"),
    ],
)
def test_unknown_engine_suggests_the_closest(typo, suggestion):
    with pytest.raises(UnknownNameError) as err:
        get_engine(typo)
    assert err.value.one_line().startswith(f"Unknown engine '{typo}'. Did you mean {suggestion}?")
    assert err.value.exit_code == 2


def test_lookup_is_case_insensitive():
    assert get_engine("PostgreS").name == "postgres"


def test_variants_subclass_their_parent():
    assert issubclass(Supabase, Postgres)
    assert issubclass(MariaDB, MySQL)


@pytest.mark.parametrize("engine", all_engines(), ids=lambda e: e.name)
def test_every_engine_declares_its_data(engine: Engine):
    assert engine.display_name and engine.family and engine.driver and engine.sqlglot_dialect
    assert engine.paramstyle in ("format", "qmark")
    assert set(LOGICAL_TYPES) <= set(engine.type_names), "every logical type has a name"
    assert engine.runtimes
    if "docker" in engine.runtimes:
        assert engine.default_image and engine.default_port
    if "native" in engine.runtimes:
        assert engine.native_binaries and engine.native_install_hint


QUOTING = [
    ("postgres", 'we"ird', '"we""ird"'),
    ("mysql", "we`ird", "`we``ird`"),
    ("mariadb", "order", "`order`"),
    ("sqlserver", "we]ird", "[we]]ird]"),
    ("sqlite", "select", '"select"'),
]


@pytest.mark.parametrize(("engine", "identifier", "quoted"), QUOTING)
def test_identifiers_are_quoted_for_the_dialect(engine, identifier, quoted):
    assert get_engine(engine).quote(identifier) == quoted


TYPES = [
    ("postgres", "decimal", "numeric(12,2)"),
    ("mysql", "timestamp", "datetime(6)"),
    ("sqlserver", "bool", "bit"),
    ("sqlserver", "varchar", "nvarchar(80)"),
    ("sqlite", "bigint", "BIGINT"),  # the declared name; SQLite gives it INTEGER affinity
]


@pytest.mark.parametrize(("engine", "logical", "name"), TYPES)
def test_type_names(engine, logical, name):
    assert get_engine(engine).type_name(logical, 80 if logical == "varchar" else None) == name


def test_capability_flags_differ_where_engines_differ():
    assert get_engine("postgres").capabilities.returning
    assert not get_engine("mysql").capabilities.returning
    assert get_engine("mariadb").capabilities.returning
    assert get_engine("supabase").capabilities.vector
    assert not get_engine("sqlite").capabilities.skip_locked
    assert "SNAPSHOT" in get_engine("sqlserver").capabilities.isolation_levels


def test_placeholders():
    assert get_engine("postgres").placeholder == "%s"
    assert get_engine("sqlite").placeholder == "?"
    assert get_engine("sqlserver").placeholder == "?"
