"""Load shapes: the user count Locust is told to hold at each moment."""

from __future__ import annotations

import pytest

from arena.errors import ArenaError, UnknownNameError
from arena.load.shapes import ConstantShape, RampShape, SpikeShape, make_shape, stages_from_yaml


def test_constant_holds_then_ends():
    shape = ConstantShape(users=8, duration=30)
    assert shape.users_at(0) == (8, 8.0)
    assert shape.users_at(29.9) == (8, 8.0)
    assert shape.users_at(30) is None
    assert shape.duration == 30 and shape.max_users == 8


def test_ramp_is_linear_to_the_peak_and_monotonic():
    shape = RampShape(users=10, duration=10)
    counts = [shape.users_at(t)[0] for t in (0, 2.5, 5, 7.5, 9.99)]
    assert counts == sorted(counts)
    assert counts[0] == 1 and counts[-1] == 10
    assert shape.users_at(5)[0] == 6  # step 6 of 10 covers 5.0 <= t < 6.0
    assert shape.users_at(10) is None


def test_ramp_then_hold():
    shape = RampShape(users=4, duration=20, ramp=4)
    assert shape.users_at(3.5)[0] == 4
    assert shape.users_at(15) == (4, 4.0)


def test_spike_baseline_jump_recovery():
    shape = SpikeShape(users=50, duration=100)
    assert shape.users_at(10)[0] == 10  # baseline: a fifth of the peak
    assert shape.users_at(40) == (50, 50.0)  # sudden: all spawned in one second
    assert shape.users_at(80)[0] == 10  # dropped back, recovering
    assert shape.users_at(100) is None


def test_stages_from_yaml(tmp_path):
    file = tmp_path / "stages.yaml"
    file.write_text(
        "stages:\n  - {duration: 10s, users: 2, rate: 2}\n  - {duration: 1m, users: 6}\n"
    )
    shape = stages_from_yaml(file)
    assert shape.users_at(5) == (2, 2.0)
    assert shape.users_at(10) == (6, 6.0)
    assert shape.duration == 70
    assert shape.users_at(70) is None


def test_the_example_stages_file_parses():
    shape = stages_from_yaml("scenarios/stages.yaml")
    assert shape.max_users == 48 and shape.duration == 70


@pytest.mark.parametrize(
    "text, message",
    [
        ("stages: []", "has no stages"),
        ("stages: [{users: 3}]", "needs duration and users"),
        ("stages: [{duration: 5x, users: 3}]", "Invalid duration '5x'"),
        ("stages: [{duration: 5s, users: 3, ramp: 1}]", "unknown keys: ramp"),
        ("stages: [{duration: 5s, users: -1}]", "users must be"),
        ("stages: [{duration: 5s, users: 1, rate: 0}]", "rate must be positive"),
    ],
)
def test_bad_stages_files_say_what_is_wrong(tmp_path, text, message):
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    with pytest.raises(ArenaError, match=message):
        stages_from_yaml(file)


def test_unknown_shape_suggests_the_closest():
    with pytest.raises(UnknownNameError, match="Did you mean spike"):
        make_shape("spkie", 5, 10)


def test_stages_shape_needs_a_file():
    with pytest.raises(ArenaError, match="--stages FILE"):
        make_shape("stages", 5, 10)
