"""seeds/*.yaml: valid files parse; malformed ones name the file, the line, the expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from arena.errors import ArenaError
from arena.seed.config import load_config, parse_config

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_a_full_config_parses():
    config = parse_config(
        """
seed: 7
rows: 2.5m
skew: 1.1
null_fraction: 0.2
tables:
  users: {ratio: 2, columns: {tier: {generator: choice, values: [a, b], weights: [9, 1]}}}
  orders:
    rows: 10k
    skew: 0.5
    columns:
      user_id: {skew: 1.3}
      note: {null_fraction: 0.9}
      code: token
  events: 200k
""",
        "x.yaml",
    )
    assert (config.seed, config.rows, config.skew, config.null_fraction) == (7, 2_500_000, 1.1, 0.2)
    users, orders = config.tables["users"], config.tables["orders"]
    assert users.ratio == 2 and users.columns["tier"].params["weights"] == [9, 1]
    assert orders.rows == 10_000 and orders.skew == 0.5
    assert orders.columns["user_id"].skew == 1.3
    assert orders.columns["note"].null_fraction == 0.9
    assert orders.columns["code"].generator == "token"
    assert config.tables["events"].rows == 200_000


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_seed_files_parse(path):
    assert load_config(path).tables


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("tables:\n  users:\n    rows: lots\n", 3, "a row count for users (1000, 10k, 1m, 2.5m)"),
        (
            "tables:\n  users:\n    colums: {}\n",
            3,
            "one of columns, ratio, rows, skew in table users",
        ),
        ("tables:\n  u:\n    columns:\n      e: {generator: nope}\n", 4, "a generator for u.e"),
        (
            "tables:\n  u:\n    columns:\n      e: {generator: choice, values: [a], weights: [1, 2]}\n",
            4,
            "1 non-negative weights",
        ),
        ("skew: -1\n", 1, "a skew >= 0"),
        (
            "tables:\n  u:\n    columns:\n      s: {weights: [1, 2]}\n",
            4,
            "a mapping of value: weight",
        ),
        (
            "tables:\n  u:\n    columns:\n      s: {weights: {a: 0, b: 0}}\n",
            4,
            "one > 0",
        ),
        (
            "tables:\n  u:\n    columns:\n      s: {weights: {a: -1}}\n",
            4,
            "a mapping of value: weight",
        ),
        ("tables:\n  u: [1, 2]\n", 2, "a mapping for table u"),
        (
            "tables:\n  u:\n    columns:\n      n: {generator: int, min: 5, max: 1}\n",
            4,
            "max >= min for u.n",
        ),
        ("tables: {u: {rows: 1}\n", 2, "not valid YAML"),
    ],
)
def test_malformed_files_say_file_line_and_what_was_expected(text, line, expected):
    with pytest.raises(ArenaError) as exc:
        parse_config(text, "seeds/bad.yaml")
    message = exc.value.one_line()
    assert f"seeds/bad.yaml, line {line}" in message
    assert expected in message


def test_missing_file():
    with pytest.raises(ArenaError, match="Cannot read seeds file"):
        load_config("/nonexistent/seeds.yaml")


def test_a_binary_file_is_refused_in_one_line(tmp_path):
    path = tmp_path / "seeds.yaml"
    path.write_bytes(b"tables:\n  \xff\xfe\x00\x80: 1\n")
    with pytest.raises(ArenaError) as caught:
        load_config(path)
    assert caught.value.message == f"Seeds file {path} is not UTF-8 text (byte 10)."
    assert "seeds/ecommerce.yaml" in caught.value.hint
