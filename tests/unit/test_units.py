from __future__ import annotations

import pytest

from arena.errors import ArenaError
from arena.units import format_count, parse_count, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1000", 1000),
        ("10k", 10_000),
        ("1m", 1_000_000),
        ("2.5m", 2_500_000),
        ("1M", 1_000_000),
        (7, 7),
    ],
)
def test_parse_count(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["1x", "", "k", "-5", "0", "1.5.2m"])
def test_parse_count_rejects_with_examples(text):
    with pytest.raises(ArenaError) as err:
        parse_count(text)
    assert "Valid: 1000, 10k, 1m, 2.5m" in err.value.one_line()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60", 60.0), ("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), ("250ms", 0.25), (2, 2.0)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5x", "s", "", "1h-5m", "0s"])
def test_parse_duration_rejects(text):
    with pytest.raises(ArenaError) as err:
        parse_duration(text)
    assert "Invalid duration" in err.value.message


def test_parse_size():
    assert parse_size("2g") == 2 * 1024**3
    assert parse_size("512m") == 512 * 1024**2
    assert parse_size("1.5GiB") == int(1.5 * 1024**3)
    with pytest.raises(ArenaError):
        parse_size("lots")


def test_format_count():
    assert format_count(1_500_000) == "1.5m"
    assert format_count(999) == "999"
