"""compose/<engine>.yml rendered by arena, tested as data.

SQL Server and PostgREST cannot be pulled on arena's development machines, so their container
contract (env, password rule, readiness command, ODBC connection string, generated T-SQL) is
verified here; postgres/mysql/mariadb are also run live in
tests/integration/test_docker_runtime.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path

import psycopg
import pytest
import sqlglot
import yaml

from arena.engines import ENGINES, get_engine
from arena.engines.sqlserver import create_database_sql as sqlserver_create_database
from arena.engines.supabase import SUPABASE_ROLES_SQL, supabase_roles_sql
from arena.errors import ArenaError
from arena.models import Endpoint, StartOptions
from arena.runtime import compose
from arena.runtime.docker import (
    LABEL_ENGINE,
    LABEL_PROJECT,
    container_kwargs,
    daemon_error,
    jwt_secret,
    password_env,
    render_plan,
)
from arena.state import ProjectState
from tests.conftest import fresh_database

PASSWORD = "Abc123xyzDEF456ghi789JKL"
DOCKER_ENGINES = sorted(name for name, cls in ENGINES.items() if "docker" in cls.runtimes)


@pytest.fixture
def state(tmp_path: Path) -> ProjectState:
    return ProjectState(tmp_path)


def plan_for(state, name, network="host", port=40001, **options):
    engine = get_engine(name)
    rest_port = 40002 if compose.load_compose(name)["services"].get("rest") else None
    return render_plan(
        state, engine, StartOptions(network=network, **options), port, PASSWORD, rest_port
    )


def test_every_container_engine_has_a_compose_file_that_is_plain_compose():
    assert DOCKER_ENGINES == ["mariadb", "mysql", "postgres", "sqlserver", "supabase"]
    for name in DOCKER_ENGINES:
        document = yaml.safe_load(compose.compose_file(name).read_text())
        assert document["name"] == f"arena-{name}"
        for service in document["services"].values():
            # The compose spec forbids ports together with host networking.
            assert service["network_mode"] == "host" and "ports" not in service
            assert service["image"].startswith("${ARENA_") and ":-" in service["image"]


@pytest.mark.parametrize("name", DOCKER_ENGINES)
def test_rendered_env_carries_the_engines_env_contract(state, name):
    engine = get_engine(name)
    main = plan_for(state, name).main
    expected = engine.container_env(engine.default_user, PASSWORD, engine.default_database)
    assert expected.items() <= main.environment.items()
    assert main.image == engine.default_image
    assert password_env(main, PASSWORD) in main.environment


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("postgres", ["postgres", "-p", "40001", "-c", "listen_addresses=127.0.0.1"]),
        ("mysql", ["mysqld", "--port=40001", "--bind-address=127.0.0.1"]),
        ("mariadb", ["mariadbd", "--port=40001", "--bind-address=127.0.0.1"]),
    ],
)
def test_host_network_puts_the_loopback_port_on_the_server_command_line(state, name, expected):
    plan = plan_for(state, name)
    assert plan.main.command[: len(expected)] == expected
    kwargs = container_kwargs(state, plan, plan.main, None)
    assert kwargs["network_mode"] == "host"
    assert "ports" not in kwargs


def test_bridge_network_publishes_on_loopback_only(state):
    plan = plan_for(state, "postgres", network="bridge")
    assert "listen_addresses=0.0.0.0" in plan.main.command  # inside the container's netns
    kwargs = container_kwargs(state, plan, plan.main, None)
    assert "network_mode" not in kwargs
    assert kwargs["ports"] == {"40001/tcp": ("127.0.0.1", 40001)}


def test_container_kwargs_label_limit_and_mount(state):
    plan = plan_for(state, "postgres", cpus=1.5, memory="512m", image="example/pg:1")
    kwargs = container_kwargs(state, plan, plan.main, None)
    assert kwargs["image"] == "example/pg:1"
    assert kwargs["labels"][LABEL_PROJECT] == state.id
    assert kwargs["labels"][LABEL_ENGINE] == "postgres"
    assert kwargs["nano_cpus"] == 1_500_000_000
    assert kwargs["mem_limit"] == kwargs["memswap_limit"] == 512 * 1024**2
    assert plan.limits == {"cpus": 1.5, "memory": "512m", "memory_bytes": 512 * 1024**2}
    assert kwargs["volumes"] == {
        f"arena-{state.id}-postgres": {"bind": "/var/lib/postgresql/data", "mode": "rw"}
    }
    assert kwargs["shm_size"] == 256 * 1024**2
    assert kwargs["stop_signal"] == "SIGINT"
    check = kwargs["healthcheck"]
    assert check["test"][:2] == ["CMD", "pg_isready"] and "40001" in check["test"]
    assert check["interval"] == 2_000_000_000 and check["retries"] == 30


# -- SQL Server -----------------------------------------------------------------------------
def test_sqlserver_env_port_and_readiness_command(state):
    main = plan_for(state, "sqlserver").main
    assert main.environment["ACCEPT_EULA"] == "Y"
    assert main.environment["MSSQL_SA_PASSWORD"] == PASSWORD
    assert main.environment["MSSQL_TCP_PORT"] == "40001"
    assert main.environment["MSSQL_IP_ADDRESS"] == "127.0.0.1"
    assert main.volumes == {f"arena-{state.id}-sqlserver": "/var/opt/mssql"}
    test = main.healthcheck["test"]
    assert test[0] == "CMD"
    assert test[1] == "/opt/mssql-tools18/bin/sqlcmd" == get_engine("sqlserver").sqlcmd
    assert "-C" in test  # trust the image's self-signed certificate
    assert test[test.index("-S") + 1] == "127.0.0.1,40001"
    assert test[test.index("-P") + 1] == PASSWORD
    assert get_engine("sqlserver").readiness_command(PASSWORD)[:2] == test[1:3]


@pytest.mark.parametrize("bad", ["short1A", "alllowercase123", "NoDigitsOrSymbols", "12345678"])
def test_sqlserver_password_rule_fails_before_anything_starts(state, bad):
    with pytest.raises(ArenaError, match="complexity rule"):
        render_plan(state, get_engine("sqlserver"), StartOptions(), 40001, bad)


@pytest.mark.parametrize("good", [PASSWORD, "Passw0rd", "pass-word-1", "P@SSW0RD!"])
def test_sqlserver_password_rule_accepts_three_classes(state, good):
    plan = render_plan(state, get_engine("sqlserver"), StartOptions(), 40001, good)
    assert plan.main.environment["MSSQL_SA_PASSWORD"] == good


def test_sqlserver_needs_two_gigabytes(state):
    engine = get_engine("sqlserver")
    with pytest.raises(ArenaError, match="at least 2 GB"):
        render_plan(state, engine, StartOptions(memory="1g"), 40001, PASSWORD)
    with pytest.raises(ArenaError, match="this Docker host gives 1.0 GB"):
        render_plan(state, engine, StartOptions(), 40001, PASSWORD, host_memory=1024**3)
    assert render_plan(state, engine, StartOptions(memory="2g"), 40001, PASSWORD).limits


def sqlserver_endpoint(password=PASSWORD):
    return Endpoint("sqlserver", "docker", "127.0.0.1", 40001, "arena", "sa", password)


def test_sqlserver_odbc_connection_string_driver18():
    text = get_engine("sqlserver").connection_string(
        sqlserver_endpoint(), "ODBC Driver 18 for SQL Server"
    )
    parts = dict(p.split("=", 1) for p in text.split(";"))
    assert parts == {
        "DRIVER": "{ODBC Driver 18 for SQL Server}",
        "SERVER": "127.0.0.1,40001",
        "DATABASE": "arena",
        "UID": "sa",
        "PWD": "{" + PASSWORD + "}",
        "Encrypt": "yes",
        "TrustServerCertificate": "yes",
    }


def test_sqlserver_odbc_connection_string_freetds_and_braces():
    text = get_engine("sqlserver").connection_string(sqlserver_endpoint("Pa}ss;w0rd"), "FreeTDS")
    assert "DRIVER={FreeTDS}" in text and "TDS_Version=7.4" in text
    assert "PWD={Pa}}ss;w0rd}" in text  # ODBC escapes } by doubling inside braces


@pytest.mark.parametrize("database", ["arena", "o'brien", "odd]name"])
def test_sqlserver_create_database_is_valid_tsql(database):
    sql = sqlserver_create_database(get_engine("sqlserver"), database)
    parsed = sqlglot.parse_one(sql, read="tsql")
    assert parsed is not None
    created = list(parsed.find_all(sqlglot.exp.Create))
    assert created and created[0].this.name == database
    assert "DB_ID(N'" + database.replace("'", "''") + "')" in sql


# -- Supabase: database + PostgREST ------------------------------------------------------------
def test_supabase_renders_db_and_rest(state):
    plan = plan_for(state, "supabase")
    assert set(plan.services) == {"db", "rest"}
    assert plan.main.name == "db"
    assert plan.main.image == get_engine("supabase").default_image
    rest = plan.services["rest"]
    assert rest.image == get_engine("supabase").rest_image
    assert rest.volumes == {} and rest.healthcheck is None
    assert rest.depends_on == ("db",)
    kwargs = container_kwargs(state, plan, rest, None)
    assert kwargs["name"].endswith("-supabase-rest")
    assert kwargs["labels"]["arena.role"] == "rest"


def test_postgrest_env_matches_the_engine(state):
    engine = get_engine("supabase")
    secret = jwt_secret(PASSWORD)
    assert len(secret) >= 32  # PostgREST refuses shorter JWT secrets
    plan = render_plan(state, engine, StartOptions(), 40001, PASSWORD, rest_port=engine.rest_port)
    db_uri = f"postgres://authenticator:{PASSWORD}@127.0.0.1:40001/postgres"
    assert plan.services["rest"].environment == engine.rest_env(db_uri, secret)
    assert plan.main.environment["JWT_SECRET"] == secret


def test_postgrest_on_bridge_reaches_db_by_container_name(state):
    plan = plan_for(state, "supabase", network="bridge")
    uri = plan.services["rest"].environment["PGRST_DB_URI"]
    assert f"@arena-{state.id}-supabase:40001/" in uri
    assert plan.services["rest"].environment["PGRST_SERVER_HOST"] == "0.0.0.0"
    assert container_kwargs(state, plan, plan.services["rest"], "net")["network"] == "net"


SUPABASE_ROLES = ("anon", "authenticated", "authenticator", "service_role")


def run_in_rolled_back_transaction(servers: ProjectState, statements: list[str], check=None):
    """`statements` on the session's real PostgreSQL, as its superuser, in a fresh database and
    one transaction that is rolled back: roles are cluster-wide, and the session's server must
    not keep Supabase's. `check(cursor)` runs inside the transaction, before the rollback."""
    with fresh_database("postgres", servers, prefix="arena_supabase") as (engine, endpoint):
        conn = engine.connect(endpoint, autocommit=False)
        try:
            cur = conn.cursor()
            for sql in statements:
                cur.execute(sql)
            if check is not None:
                check(cur)
        finally:
            conn.rollback()
            conn.close()


def scram_verifies(stored: str, password: str) -> bool:
    """Does a pg_authid SCRAM-SHA-256 secret (RFC 5802/7677, as PostgreSQL stores it) belong
    to `password`?"""
    method, rest = stored.split("$", 1)
    assert method == "SCRAM-SHA-256", stored
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)


@pytest.mark.integration
def test_supabase_roles_sql_runs_on_a_real_postgres(servers):
    """What the docker runtime runs after supabase/postgres starts, on a real PostgreSQL (the
    native session server, as its superuser): the roles exist afterwards with their attributes
    and grants, a second run changes nothing, and authenticator gets the password quoted."""
    password = "it's $$ a 'pass'"
    statements = supabase_roles_sql(password)
    assert statements[-1] == "ALTER ROLE authenticator PASSWORD 'it''s $$ a ''pass'''"

    def roles(cur):
        cur.execute(
            "SELECT rolname, rolcanlogin, rolinherit, rolbypassrls, rolpassword FROM pg_authid "
            "WHERE rolname = ANY(%s) ORDER BY rolname",
            (list(SUPABASE_ROLES),),
        )
        return cur.fetchall()

    def created(cur):
        rows = roles(cur)
        assert [r[:4] for r in rows] == [
            ("anon", False, False, False), ("authenticated", False, False, False),
            ("authenticator", True, False, False), ("service_role", False, False, True),
        ]  # fmt: skip
        assert scram_verifies(rows[2][4], password)
        assert not scram_verifies(rows[2][4], "it's")
        cur.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'authenticator' ORDER BY 1"
        )
        assert cur.fetchall() == [("anon",), ("authenticated",), ("service_role",)]
        # Granted explicitly (PUBLIC's default USAGE on public would hide a missing GRANT).
        cur.execute(
            "SELECT a.grantee::regrole::text FROM pg_namespace n, aclexplode(n.nspacl) a "
            "WHERE n.nspname = 'public' AND a.privilege_type = 'USAGE' "
            "AND a.grantee::regrole::text = ANY(%s) ORDER BY 1",
            (list(SUPABASE_ROLES),),
        )
        assert cur.fetchall() == [("anon",), ("authenticated",), ("service_role",)]

    def absent(cur):
        assert roles(cur) == [], "the session's server must not hold Supabase's roles"

    run_in_rolled_back_transaction(servers, [], absent)
    # Twice: the second run, with the roles present, must pass and change nothing.
    run_in_rolled_back_transaction(servers, statements * 2, created)
    run_in_rolled_back_transaction(servers, [], absent)  # rolled back: nothing kept


@pytest.mark.integration
@pytest.mark.parametrize(
    ("broken", "error"),
    [
        ("CREATE ROLLE anon (((", "syntax error"),
        # Inside the DO body: PL/pgSQL is parsed only when the server runs the block.
        (SUPABASE_ROLES_SQL.replace("CREATE ROLE anon", "CREATE ROLLE anon"), "syntax error"),
        (SUPABASE_ROLES_SQL.replace("BYPASSRLS", "BYPASSRLZ"), "BYPASSRLZ"),
        (SUPABASE_ROLES_SQL.replace("TO anon,", "TO anonn,"), 'role "anonn" does not exist'),
    ],
    ids=["garbage", "typo-in-do-block", "unknown-option", "unknown-role"],
)
def test_broken_supabase_roles_sql_is_caught_by_the_server(servers, broken, error):
    """Negative control for the test above: each of these broken versions fails there (sqlglot,
    which it used before, accepted every one as an opaque command)."""
    assert broken != SUPABASE_ROLES_SQL
    with pytest.raises(psycopg.Error, match=re.escape(error)):
        run_in_rolled_back_transaction(servers, [broken])


# -- the loader -----------------------------------------------------------------------------
def test_interpolation_follows_compose():
    values = {"SET": "v", "EMPTY": ""}
    assert compose.interpolate("${SET}-${UNSET:-d}-${EMPTY:-e}-${EMPTY-f}-$$SET", values) == (
        "v-d-e--$SET"
    )
    assert compose.interpolate("$SET/${SET:?boom}", values) == "v/v"
    with pytest.raises(ArenaError, match="UNSET is required"):
        compose.interpolate("${UNSET:?needed}", values)


@pytest.mark.parametrize(("text", "seconds"), [("2s", 2), ("1m30s", 90), ("500ms", 0.5)])
def test_compose_durations(text, seconds):
    assert compose.parse_duration_seconds(text) == seconds


def test_unknown_compose_keys_are_refused(tmp_path, monkeypatch):
    (tmp_path / "postgres.yml").write_text(
        "services:\n  postgres:\n    image: x\n    privileged: true\n"
    )
    monkeypatch.setenv("ARENA_COMPOSE_DIR", str(tmp_path))
    with pytest.raises(ArenaError, match="privileged"):
        compose.render("postgres", {})


def test_missing_compose_file_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_COMPOSE_DIR", str(tmp_path))
    with pytest.raises(ArenaError, match="postgres.yml is missing"):
        compose.load_compose("postgres")


def test_an_unreadable_compose_file_is_one_line(tmp_path, monkeypatch):
    # Root reads any file whatever its mode, so unreadable here means a directory or bytes.
    monkeypatch.setenv("ARENA_COMPOSE_DIR", str(tmp_path))
    (tmp_path / "postgres.yml").mkdir()
    with pytest.raises(ArenaError, match="Cannot read the compose file .*postgres.yml"):
        compose.load_compose("postgres")
    (tmp_path / "mariadb.yml").write_bytes(b"\xff\xfe\x00services")
    with pytest.raises(ArenaError, match="not UTF-8 text"):
        compose.load_compose("mariadb")


def test_daemon_errors_say_what_to_do(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    denied = daemon_error("('Connection aborted.', PermissionError(13, 'Permission denied'))")
    assert denied.message == "Permission denied on the Docker socket (unix:///var/run/docker.sock)."
    assert "docker group" in denied.hint
    missing = daemon_error("('Connection aborted.', FileNotFoundError(2, 'No such file'))")
    assert missing.message.startswith("No Docker daemon answers")
    assert "--runtime native" in missing.hint
