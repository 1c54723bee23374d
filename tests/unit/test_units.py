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


# Exact messages: the hint is what the user acts on, so a changed hint must fail a test.
@pytest.mark.parametrize(
    ("call", "line"),
    [
        (lambda: parse_count("1x"), "Invalid row count '1x'. Hint: Valid: 1000, 10k, 1m, 2.5m."),
        (
            lambda: parse_count("0", "user count"),
            "Invalid user count '0': must be positive. Hint: Valid: 1000, 10k, 1m, 2.5m.",
        ),
        (
            lambda: parse_count(-3),
            "Invalid row count '-3': must be positive. Hint: Valid: 1000, 10k, 1m, 2.5m.",
        ),
        (
            lambda: parse_duration("5x"),
            "Invalid duration '5x'. Hint: Valid: 30, 90s, 5m, 1h30m, 250ms.",
        ),
        (
            lambda: parse_duration("0s"),
            "Invalid duration '0s': must be positive. Hint: Valid: 30, 90s, 5m.",
        ),
        (lambda: parse_size("lots"), "Invalid size 'lots'. Hint: Valid: 512m, 2g, 1.5GiB."),
    ],
)
def test_error_messages_name_the_value_and_the_valid_forms(call, line):
    with pytest.raises(ArenaError) as err:
        call()
    assert err.value.one_line() == line


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("1k", 1_000), ("3b", 3_000_000_000), (" 2K ", 2_000), ("1.5k", 1_500)],
)
def test_parse_count_edges(text, value):
    assert parse_count(text) == value


def test_parse_count_default_names_a_row_count():
    with pytest.raises(ArenaError) as err:
        parse_count("nope")
    assert err.value.message == "Invalid row count 'nope'."


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90S", 90.0), ("1H30M", 5400.0), (" 2m ", 120.0), ("1.5", 1.5), ("1m30s", 90.0), (0.5, 0.5)],
)
def test_parse_duration_any_case_and_compound(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "size"),
    [("1", 1), ("1k", 1024), ("3t", 3 * 1024**4), ("1MB", 1024**2), ("2 GiB", 2 * 1024**3)],
)
def test_parse_size_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1_000_000_000, "1b"),
        (999_999_999, "1b"),
        (999_499, "999k"),
        (999.4, "999"),
        (2_500_000_000, "2.5b"),
        (1_000_000, "1m"),
        (1_000, "1k"),
        (999, "999"),
        (12_345, "12.3k"),
        (-2_000, "-2k"),
        (0, "0"),
    ],
)
def test_format_count_boundaries(n, text):
    assert format_count(n) == text
