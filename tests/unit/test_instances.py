"""Instance names ENGINE@VARIANT, --set and variants files: parsed and checked before
anything starts (issue 15)."""

from __future__ import annotations

import pytest

from arena import instances
from arena.errors import UnknownNameError
from arena.instances import VariantError
from arena.models import Endpoint
from arena.state import ProjectState
from tests.conftest import make_project_dir


@pytest.mark.parametrize(
    ("name", "engine", "variant", "version"),
    [
        ("postgres", "postgres", "", None),
        ("Postgres@Tuned", "postgres", "tuned", None),
        ("postgres@16", "postgres", "16", "16"),
        ("mariadb@10.11", "mariadb", "10.11", "10.11"),
        ("mariadb@small-2", "mariadb", "small-2", None),
    ],
)
def test_instance_names_split_into_engine_variant_and_version(name, engine, variant, version):
    assert instances.split_name(name) == (engine, variant)
    assert instances.version_of(name) == version
    assert instances.engine_of(name).name == engine


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("postgres@", "no variant after '@'"),
        ("@x", "no engine before '@'"),
        ("postgres@a$b", "Malformed instance name"),
        ("postgres@a@b", "Malformed instance name"),
        ("postgres@-x", "Malformed instance name"),
        ("pg sql@x", "Malformed instance name"),
    ],
)
def test_malformed_names_are_refused(name, says):
    with pytest.raises(VariantError, match=says.replace("$", r"\$")):
        instances.canonical(name)


def test_an_unknown_engine_gets_a_did_you_mean():
    with pytest.raises(UnknownNameError, match="Did you mean postgres"):
        instances.canonical("postgress@tuned")


def test_docker_names_replace_the_at_sign():
    assert instances.slug("postgres@tuned") == "postgres_tuned"
    assert instances.slug("postgres") == "postgres"


def test_set_goes_to_the_named_instance_and_refuses_one_not_started():
    sets = instances.parse_set(
        ("postgres@tuned:shared_buffers=1GB", "postgres@tuned:synchronous_commit=off"),
        ["postgres", "postgres@tuned"],
    )
    assert sets == {"postgres@tuned": {"shared_buffers": "1GB", "synchronous_commit": "off"}}
    with pytest.raises(VariantError, match="does not start"):
        instances.parse_set(("mariadb:x=1",), ["postgres"])
    with pytest.raises(VariantError, match="not INSTANCE:KEY=VALUE"):
        instances.parse_set(("shared_buffers",), ["postgres"])
    with pytest.raises(VariantError, match="Invalid setting name"):
        instances.parse_set(("postgres:bad;name=1",), ["postgres"])
    # one instance: a bare KEY=VALUE is for it
    assert instances.parse_set(("work_mem=64MB",), ["postgres"]) == {
        "postgres": {"work_mem": "64MB"}
    }


def _file(tmp_path, text: str) -> str:
    path = tmp_path / "variants.yaml"
    path.write_text(text)
    return str(path)


def test_a_variants_file_names_engine_version_settings_and_limits(tmp_path):
    path = _file(
        tmp_path,
        """
variants:
  postgres@tuned:
    settings: {shared_buffers: 1GB, synchronous_commit: off}
    limits: {cpus: 1, memory: 1g}
  small:
    engine: mariadb
    version: "10.11"
    settings: {innodb_buffer_pool_size: 64M}
""",
    )
    specs = {s.name: s for s in instances.merge(["postgres"], (path,), ())}
    assert set(specs) == {"postgres", "postgres@tuned", "mariadb@small"}
    tuned = specs["postgres@tuned"]
    # YAML reads `off` as False: the server gets "off" back, not "False"
    assert tuned.settings == {"shared_buffers": "1GB", "synchronous_commit": "off"}
    assert (tuned.cpus, tuned.memory) == (1.0, "1g")
    assert specs["mariadb@small"].version == "10.11"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("variants:\n  postgres@a: {}\n  postgres@a: {}\n", "defined twice"),
        ("variants:\n  tuned: {engine: postgres}\n  postgres@tuned: {}\n", "both define"),
        ("variants:\n  postgres@16: {version: 15}\n", "named for version 16"),
        ("variants:\n  mariadb@x: {engine: postgres}\n", "says engine postgres"),
        ("variants:\n  postgres@x: {colour: red}\n", "unknown keys: colour"),
        ("variants:\n  postgres@x: {limits: {cpus: lots}}\n", "must be a number"),
        ("nothing: here\n", "no 'variants:'"),
        ("variants: [\n", "not valid YAML"),
    ],
)
def test_bad_variants_files_are_one_line_errors(tmp_path, text, says):
    with pytest.raises(VariantError, match=says):
        instances.merge([], (_file(tmp_path, text),), ())


def test_a_set_that_contradicts_the_file_is_a_clash(tmp_path):
    path = _file(tmp_path, "variants:\n  postgres@t: {settings: {work_mem: 4MB}}\n")
    with pytest.raises(VariantError, match="set both"):
        instances.merge([], (path,), ("postgres@t:work_mem=8MB",))
    # the same value twice is no contradiction
    [spec] = instances.merge([], (path,), ("postgres@t:work_mem=4MB",))
    assert spec.settings == {"work_mem": "4MB"}


def test_state_keys_endpoints_by_instance_and_old_state_reads_as_the_plain_instance():
    state = ProjectState(make_project_dir())
    plain = Endpoint("postgres", "native", "127.0.0.1", 1, "db", "u", "p")
    tuned = plain.replace(name="postgres@tuned", port=2)
    state.save_endpoint(plain)
    state.save_endpoint(tuned)
    endpoints = state.endpoints()
    assert set(endpoints) == {"postgres", "postgres@tuned"}
    assert endpoints["postgres@tuned"].engine == "postgres"
    assert endpoints["postgres"].instance == "postgres"
    assert state.password("postgres@tuned") != state.password("postgres")
