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


# -- exact stage lists: every shape is data, and its data is checked ----------------------


def stages_of(shape):
    return [(s.end, s.users, s.rate) for s in shape.stages]


def test_constant_stage_and_description():
    assert stages_of(ConstantShape(8, 30)) == [(30, 8, 8.0)]
    assert stages_of(ConstantShape(8, 30, 2.0)) == [(30, 8, 2.0)]
    assert ConstantShape(8, 30).describe() == [{"until_s": 30, "users": 8, "spawn_rate": 8.0}]
    assert ConstantShape(8, 30).name == "constant"


@pytest.mark.parametrize(
    "args, expected",
    [
        # users, duration, ramp, spawn_rate
        ((4, 4, None, 0), [(1.0, 1, 1.0), (2.0, 2, 2.0), (3.0, 3, 3.0), (4.0, 4, 4.0)]),
        ((1, 3, None, 0), [(3.0, 1, 1.0)]),  # one user: one step over the whole duration
        ((2, 10, 2, 0), [(1.0, 1, 1.0), (2.0, 2, 2.0), (10, 2, 2.0)]),  # ramp, then hold
        ((2, 2, 2, 0), [(1.0, 1, 1.0), (2.0, 2, 2.0)]),  # ramp == duration: no hold stage
        ((2, 2, None, 3.0), [(1.0, 1, 3.0), (2.0, 2, 3.0)]),  # the given spawn rate
        ((3, 1.5, None, 0), [(0.75, 2, 2.0), (1.5, 3, 3.0)]),  # ceil(1.5) = 2 steps
        ((2, 4, 9, 0), [(2.0, 1, 1.0), (4.0, 2, 2.0)]),  # ramp longer than the run: capped
    ],
)
def test_ramp_stages_exactly(args, expected):
    users, duration, ramp, rate = args
    shape = RampShape(users, duration, ramp=ramp, spawn_rate=rate)
    assert stages_of(shape) == expected
    assert shape.name == "ramp"


def test_ramp_first_step_is_at_least_one_user_spawned_at_least_one_a_second():
    shape = RampShape(10, 2)  # 2 steps: 5 then 10 users
    assert stages_of(shape) == [(1.0, 5, 5.0), (2.0, 10, 10.0)]
    low = RampShape(1, 5, ramp=1)
    assert stages_of(low) == [(1.0, 1, 1.0), (5, 1, 1.0)]


def test_spike_stages_exactly():
    shape = SpikeShape(10, 100)
    assert stages_of(shape) == [(30.0, 2, 2.0), (50.0, 10, 10.0), (100, 2, 10.0)]
    assert all(isinstance(users, int) for _, users, _ in stages_of(shape))
    assert stages_of(SpikeShape(3, 10)) == [(3.0, 1, 1.0), (5.0, 3, 3.0), (10, 1, 3.0)]
    assert stages_of(SpikeShape(20, 10, baseline=7))[0] == (3.0, 7, 7.0)
    assert SpikeShape(3, 10).name == "spike"


def test_a_shape_needs_a_stage():
    from arena.load.shapes import StagedShape

    with pytest.raises(ArenaError) as exc:
        StagedShape([])
    assert exc.value.one_line() == "A load shape needs at least one stage."


# -- make_shape: what `arena load` asked for becomes exactly that shape ------------------


@pytest.mark.parametrize(
    "name, users, duration, rate, expected",
    [
        (None, 3, 7, None, ConstantShape(3, 7)),
        ("constant", 3, 7, None, ConstantShape(3, 7)),
        ("constant", 3, 7, 1.5, ConstantShape(3, 7, 1.5)),
        ("ramp", 3, 7, None, RampShape(3, 7)),
        ("ramp", 3, 7, 1.5, RampShape(3, 7, spawn_rate=1.5)),
        ("spike", 10, 20, None, SpikeShape(10, 20)),
    ],
)
def test_make_shape_builds_the_named_shape(name, users, duration, rate, expected):
    shape = make_shape(name, users, duration, rate)
    assert type(shape) is type(expected)
    assert stages_of(shape) == stages_of(expected)


def test_a_stages_file_implies_the_stages_shape(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text("[{duration: 2s, users: 3, rate: 1}]")
    for name in (None, "stages"):
        shape = make_shape(name, 1, 99, None, str(file))
        assert shape.name == "stages" and stages_of(shape) == [(2.0, 3, 1.0)]


@pytest.mark.parametrize(
    "name, users, rate, stages, expected",
    [
        ("spkie", 5, None, None,
         "Unknown shape 'spkie'. Did you mean spike? Hint: Valid: constant, ramp, spike, stages."),
        ("constant", 5, -1.0, None,
         "Invalid --spawn-rate -1: users started per second must be positive. Hint: e.g. "
         "--spawn-rate 5, or leave it out to start every user at once."),
        ("ramp", 5, 0.0, None, "Invalid --spawn-rate 0: users started per second must be "
         "positive. Hint: e.g. --spawn-rate 5, or leave it out to start every user at once."),
        ("constant", 5, float("nan"), None, "Invalid --spawn-rate nan: users started per "
         "second must be positive. Hint: e.g. --spawn-rate 5, or leave it out to start every "
         "user at once."),
        ("stages", 5, None, None,
         "--shape stages needs --stages FILE. Hint: See scenarios/stages.yaml."),
        ("ramp", 5, None, "x.yaml", "--stages applies to --shape stages, not --shape ramp. "
         "Hint: Drop --shape (a stages file implies it), or drop --stages."),
        ("constant", 0, None, None, "Invalid user count 0: must be at least 1."),
        ("spike", 0, None, None, "Invalid user count 0: must be at least 1."),
    ],
)  # fmt: skip
def test_make_shape_refuses_with_one_exact_line(name, users, rate, stages, expected):
    with pytest.raises(ArenaError) as exc:
        make_shape(name, users, 10, rate, stages)
    assert exc.value.one_line() == expected


def test_small_valid_inputs_are_accepted():
    assert stages_of(make_shape("constant", 1, 5, 0.5)) == [(5, 1, 0.5)]
    assert make_shape("ramp", 1, 5).max_users == 1


# -- stages files: every refusal is one exact line ---------------------------------------

EXAMPLE = "Write stages: [{duration: 30s, users: 10, rate: 5}]."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("stages: []", "Stages file '{p}' has no stages. Hint: " + EXAMPLE),
        ("{other: 1}", "Stages file '{p}' has no stages. Hint: " + EXAMPLE),
        ("- 5", "Stage 1 in '{p}' needs duration and users. Hint: " + EXAMPLE),
        ("- {duration: 1s, users: 1}\n- {users: 3}",
         "Stage 2 in '{p}' needs duration and users. Hint: " + EXAMPLE),
        ("- {duration: 5s, users: 3, ramp: 1, up: 2}",
         "Stage 1 in '{p}' has unknown keys: ramp, up. Hint: " + EXAMPLE),
        ("- {duration: 5s, users: -1}",
         "Stage 1 in '{p}': users must be a whole number >= 0."),
        ("- {duration: 5s, users: 1.5}",
         "Stage 1 in '{p}': users must be a whole number >= 0."),
        ("- {duration: 5s, users: 1, rate: 0}", "Stage 1 in '{p}': rate must be positive."),
        ("- {duration: 5s, users: 1, rate: -2}", "Stage 1 in '{p}': rate must be positive."),
    ],
)  # fmt: skip
def test_bad_stages_files_exact_messages(tmp_path, text, expected):
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    with pytest.raises(ArenaError) as exc:
        stages_from_yaml(file)
    assert exc.value.one_line() == expected.replace("{p}", str(file))


def test_unreadable_stages_files_exact_messages(tmp_path):
    missing = tmp_path / "none.yaml"
    with pytest.raises(ArenaError) as exc:
        stages_from_yaml(missing)
    assert exc.value.one_line() == f"Stages file '{missing}' not found."
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ArenaError) as exc:
        stages_from_yaml(binary)
    assert exc.value.one_line() == (
        f"Stages file '{binary}' is not text (UTF-8 YAML). Hint: See scenarios/stages.yaml."
    )
    with pytest.raises(ArenaError) as exc:
        stages_from_yaml(tmp_path)  # a directory
    assert exc.value.one_line() == f"Stages file '{tmp_path}' cannot be read: Is a directory."
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: [")
    with pytest.raises(ArenaError) as exc:
        stages_from_yaml(bad)
    assert exc.value.one_line().startswith(f"Stages file '{bad}' is not valid YAML: while ")


def test_stage_defaults_zero_users_and_rate(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text(
        "- {duration: 1s, users: 0}\n- {duration: 1s, users: 3}\n- {duration: 1s, users: 2, rate: 0.5}"
    )
    shape = stages_from_yaml(file)
    # no rate: users per second (1 for zero users), so a stage reaches its level in a second
    assert stages_of(shape) == [(1.0, 0, 1.0), (2.0, 3, 3.0), (3.0, 2, 0.5)]
    assert shape.describe()[1] == {"until_s": 2.0, "users": 3, "spawn_rate": 3.0}
