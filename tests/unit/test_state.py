from __future__ import annotations

import os
import stat
import threading

from arena.models import Endpoint
from arena.state import ProjectState, new_password
from tests.conftest import make_project_dir


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_state_files_are_private_and_dir_traversable_only():
    state = ProjectState(make_project_dir())
    state.save_endpoint(Endpoint("sqlite", "embedded", "", None, "main", "", ""))
    assert _mode(state.file) == 0o600
    assert _mode(state.dir) == 0o711  # native servers traverse it; nobody lists it


def test_passwords_are_random_per_project_and_stable():
    a, b = ProjectState(make_project_dir()), ProjectState(make_project_dir())
    assert a.password("postgres") == a.password("postgres")
    assert a.password("postgres") != b.password("postgres")
    assert a.password("postgres") != a.password("mysql")


def test_new_password_meets_sql_server_rule_and_needs_no_escaping():
    for _ in range(200):
        pw = new_password()
        assert len(pw) >= 8 and pw.isalnum()
        assert any(c.isupper() for c in pw) and any(c.islower() for c in pw)
        assert any(c.isdigit() for c in pw)


def test_a_second_shell_sees_the_same_engines_and_concurrent_writes_are_not_lost():
    root = make_project_dir()
    names = [f"e{i}" for i in range(20)]

    def save(name):
        ProjectState(root).save_endpoint(Endpoint(name, "native", "127.0.0.1", 1, "db", "u", "p"))

    threads = [threading.Thread(target=save, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ProjectState(root).endpoints()) == sorted(names)


def test_endpoint_round_trips_through_json():
    ep = Endpoint(
        "postgres", "native", "127.0.0.1", 5432, "arena", "arena", "pw", pid=12, extra={"a": 1}
    )
    assert Endpoint.from_dict(ep.to_dict()) == ep
    assert "pw" not in repr(ep)
