"""Who can log in to a server arena started: nobody without arena's per-project password.

Every account is tried over TCP on real servers (native MariaDB/MySQL/PostgreSQL and the docker
stand-ins): root and the anonymous user with no password and with a wrong one, the project's
own user without a password. All must be refused; arena's password must work.
"""

from __future__ import annotations

import json
import os
import pwd
import socket
import stat

import psycopg
import pymysql
import pytest

from arena import lifecycle
from arena.engines import get_engine
from tests.conftest import run_arena

pytestmark = pytest.mark.integration

# pymysql's "Access denied" (1045); 1130 is "host is not allowed to connect".
REFUSED = (1045, 1130, 1698)


def mysql_login(port: int, user: str, password: str | None) -> str:
    """'ok' when the server lets the account in, else the server's error code."""
    try:
        conn = pymysql.connect(
            host="127.0.0.1", port=port, user=user, password=password or "", connect_timeout=5
        )
    except pymysql.err.OperationalError as exc:
        return str(exc.args[0])
    conn.close()
    return "ok"


def mysql_attempts(port: int, project_user: str, also: tuple[str, ...] = ()) -> dict:
    tries = {}
    for user in ("root", "", "mysql", "mariadb.sys", "mysql.sys", socket.gethostname(), *also):
        for label, password in (("no password", None), ("wrong password", "wrong")):
            tries[(user or "''", label)] = mysql_login(port, user, password)
    tries[(project_user, "no password")] = mysql_login(port, project_user, None)
    tries[(project_user, "wrong password")] = mysql_login(port, project_user, "wrong")
    return tries


def assert_every_mysql_account_is_closed(endpoint, also: tuple[str, ...] = ()) -> None:
    tries = mysql_attempts(endpoint.port, endpoint.user, also)
    admitted = {k: v for k, v in tries.items() if not v.isdigit() or int(v) not in REFUSED}
    assert admitted == {}, f"logged in (or odd answer) without arena's password: {admitted}"
    assert mysql_login(endpoint.port, endpoint.user, endpoint.password) == "ok"


@pytest.mark.parametrize("engine", ["mariadb", "mysql"])
def test_native_mysql_family_admits_no_one_without_the_password(project, engine):
    result = run_arena(project.root, "up", engine, "--runtime", "native")
    assert result.returncode == 0, result.stderr
    endpoint = project.endpoint(engine)
    assert_every_mysql_account_is_closed(endpoint)
    # The catalog agrees: every account left has a password or is locked (MariaDB's
    # mysql.global_priv JSON, read here independently of arena's own check).
    _, rows = lifecycle.sql(engine, "SELECT user, host, priv FROM mysql.global_priv")
    accounts = {(user, host): json.loads(priv) for user, host, priv in rows}
    assert ("arena", "127.0.0.1") in accounts
    for (user, host), priv in accounts.items():
        if priv.get("account_locked"):
            continue
        assert user, f"anonymous account ''@{host}"
        for method in priv.get("auth_or") or [priv]:
            assert method.get("authentication_string"), f"{user}@{host} has no password"
            assert method.get("plugin") not in ("unix_socket", "auth_socket"), (user, host)


def test_native_mariadb_socket_is_private(project):
    assert run_arena(project.root, "up", "mariadb", "--runtime", "native").returncode == 0
    sock = project.endpoint("mariadb").extra["socket"]
    assert not sock.startswith("/tmp/"), "predictable /tmp path another user can pre-create"
    parent = os.stat(os.path.dirname(sock))
    assert stat.S_IMODE(parent.st_mode) == 0o700
    if os.geteuid() == 0:
        server_user = os.environ.get("ARENA_NATIVE_USER", "nobody")
        assert parent.st_uid == pwd.getpwnam(server_user).pw_uid


def test_native_postgres_admits_no_one_without_the_password(project):
    assert run_arena(project.root, "up", "postgres", "--runtime", "native").returncode == 0
    endpoint = project.endpoint("postgres")
    for user in ("postgres", endpoint.user, "root"):
        for password in ("", "wrong"):
            with pytest.raises(psycopg.OperationalError):
                psycopg.connect(
                    host="127.0.0.1", port=endpoint.port, user=user, password=password,
                    dbname="postgres", connect_timeout=5,
                ).close()  # fmt: skip
    psycopg.connect(
        host="127.0.0.1", port=endpoint.port, user=endpoint.user,
        password=endpoint.password, dbname=endpoint.database, connect_timeout=5,
    ).close()  # fmt: skip


@pytest.mark.docker
@pytest.mark.parametrize("engine", ["mariadb", "mysql"])
def test_docker_mysql_family_admits_no_one_without_the_password(project, engine):
    result = run_arena(project.root, "up", engine, "--runtime", "docker")
    assert result.returncode == 0, result.stderr
    assert_every_mysql_account_is_closed(project.endpoint(engine))


def open_some_accounts(endpoint, admin: str, anonymous: bool) -> None:
    """The negative control: accounts the login check MUST flag."""
    engine = get_engine(endpoint.engine)
    engine.execute(endpoint.replace(user=admin), "CREATE USER 'open'@'127.0.0.1'")
    assert mysql_login(endpoint.port, "open", None) == "ok"
    if anonymous:
        engine.execute(endpoint.replace(user=admin), "CREATE USER ''@'127.0.0.1'")
        assert mysql_login(endpoint.port, "", None) == "ok"


@pytest.mark.parametrize("runtime", ["native", pytest.param("docker", marks=pytest.mark.docker)])
def test_accounts_opened_later_are_closed_at_the_next_start(project, runtime):
    assert run_arena(project.root, "up", "mariadb", "--runtime", runtime).returncode == 0
    # In containers arena's user owns only its database and root (arena's password) is the
    # admin; both are '...'@'%' there, which an anonymous ''@'127.0.0.1' would shadow (MariaDB
    # matches the most specific host first), so only natively is an anonymous one opened.
    docker = runtime == "docker"
    open_some_accounts(project.endpoint("mariadb"), "root" if docker else "arena", not docker)
    with pytest.raises(AssertionError, match="without arena's password"):
        assert_every_mysql_account_is_closed(project.endpoint("mariadb"), also=("open",))
    assert run_arena(project.root, "down", "mariadb").returncode == 0
    assert run_arena(project.root, "up", "mariadb", "--runtime", runtime).returncode == 0
    assert_every_mysql_account_is_closed(project.endpoint("mariadb"), also=("open",))
