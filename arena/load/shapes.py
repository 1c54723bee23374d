"""Load shapes: a list of stages plus a short `users_at()`, Locust's LoadTestShape model.

`users_at(elapsed)` returns (users, spawn_rate) while the test runs and None when it is over.
arena/load/runner.py wraps a shape in a locust.LoadTestShape whose `tick()` calls it, and
Locust's runner spawns and stops users to follow it. Shapes are plain classes here because
importing locust monkey-patches the process (gevent): this module stays importable anywhere.
Every engine gets the same shape, restarted at the beginning of its run.

- constant: N users for the whole duration.
- ramp: linear from 0 to N users over `ramp` seconds (default: the whole duration), then hold.
- spike: baseline, a sudden jump to N x the baseline, hold, drop back, recovery.
- stages: from YAML, a list of {duration, users, rate} (rate: users spawned per second).

The seed 002 load tests map onto these: constant -> constant, ramp-up -> ramp, spike -> spike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from arena.errors import ArenaError, UnknownNameError
from arena.units import parse_duration

SHAPES = ("constant", "ramp", "spike", "stages")


@dataclass(frozen=True, slots=True)
class Stage:
    """Until `end` seconds into the run, hold `users`, spawning/stopping `rate` per second."""

    end: float
    users: int
    rate: float


class StagedShape:
    """A shape made of stages; subclasses only build the stage list."""

    name = "stages"

    def __init__(self, stages: Sequence[Stage]) -> None:
        if not stages:
            raise ArenaError("A load shape needs at least one stage.")
        self.stages = tuple(stages)

    @property
    def duration(self) -> float:
        return self.stages[-1].end

    @property
    def max_users(self) -> int:
        return max(s.users for s in self.stages)

    def users_at(self, elapsed: float) -> tuple[int, float] | None:
        for stage in self.stages:
            if elapsed < stage.end:
                return stage.users, stage.rate
        return None

    def describe(self) -> list[dict[str, float]]:
        return [{"until_s": s.end, "users": s.users, "spawn_rate": s.rate} for s in self.stages]


class ConstantShape(StagedShape):
    name = "constant"

    def __init__(self, users: int, duration: float, spawn_rate: float | None = None) -> None:
        # Spawn everyone at once unless told otherwise: a constant load starts at its level.
        super().__init__([Stage(duration, users, spawn_rate or float(users))])


class RampShape(StagedShape):
    """Linear 0 -> users over `ramp` seconds, one stage per second, then hold."""

    name = "ramp"

    def __init__(
        self, users: int, duration: float, ramp: float | None = None, spawn_rate: float = 0
    ) -> None:
        ramp = min(ramp or duration, duration)
        steps = max(1, min(int(math.ceil(ramp)), users))
        stages = []
        for i in range(1, steps + 1):
            level = max(1, round(users * i / steps))
            stages.append(Stage(ramp * i / steps, level, spawn_rate or max(float(level), 1.0)))
        if ramp < duration:
            stages.append(Stage(duration, users, spawn_rate or float(users)))
        super().__init__(stages)


class SpikeShape(StagedShape):
    """baseline (30%) -> jump to users (spawned at once) and hold (20%) -> drop back to the
    baseline and recover (50%). The baseline is a fifth of the peak (at least one user)."""

    name = "spike"

    def __init__(self, users: int, duration: float, baseline: int | None = None) -> None:
        base = baseline or max(1, users // 5)
        super().__init__(
            [
                Stage(duration * 0.3, base, float(base)),
                Stage(duration * 0.5, users, float(users)),
                Stage(duration, base, float(users)),
            ]
        )


def stages_from_yaml(path: str | Path) -> StagedShape:
    """A YAML file: `stages: [{duration: 30s, users: 10, rate: 5}, ...]` (or a bare list)."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text())
    except FileNotFoundError:
        raise ArenaError(f"Stages file '{path}' not found.") from None
    except UnicodeDecodeError:
        raise ArenaError(
            f"Stages file '{path}' is not text (UTF-8 YAML).", "See scenarios/stages.yaml."
        ) from None
    except OSError as exc:
        raise ArenaError(f"Stages file '{path}' cannot be read: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        raise ArenaError(f"Stages file '{path}' is not valid YAML: {exc}") from None
    items = data.get("stages") if isinstance(data, dict) else data
    example = "stages: [{duration: 30s, users: 10, rate: 5}]"
    if not isinstance(items, list) or not items:
        raise ArenaError(f"Stages file '{path}' has no stages.", f"Write {example}.")
    stages, end = [], 0.0
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or "duration" not in item or "users" not in item:
            raise ArenaError(
                f"Stage {i} in '{path}' needs duration and users.", f"Write {example}."
            )
        unknown = set(item) - {"duration", "users", "rate"}
        if unknown:
            raise ArenaError(
                f"Stage {i} in '{path}' has unknown keys: {', '.join(sorted(unknown))}.",
                f"Write {example}.",
            )
        users = item["users"]
        if not isinstance(users, int) or users < 0:
            raise ArenaError(f"Stage {i} in '{path}': users must be a whole number >= 0.")
        rate = float(item.get("rate", users or 1))
        if rate <= 0:
            raise ArenaError(f"Stage {i} in '{path}': rate must be positive.")
        end += parse_duration(item["duration"])
        stages.append(Stage(end, users, rate))
    return StagedShape(stages)


def make_shape(
    name: str | None,
    users: int,
    duration: float,
    spawn_rate: float | None = None,
    stages_file: str | None = None,
) -> StagedShape:
    """The shape `arena load` asked for. No name: constant, or stages when a stages file is
    given (the file implies the shape); a file with any other shape is an error."""
    if name is None:
        name = "stages" if stages_file else "constant"
    if name not in SHAPES:
        raise UnknownNameError("shape", name, SHAPES)
    if spawn_rate is not None and not spawn_rate > 0:  # NaN too
        raise ArenaError(
            f"Invalid --spawn-rate {spawn_rate:g}: users started per second must be positive.",
            "e.g. --spawn-rate 5, or leave it out to start every user at once.",
        )
    if name == "stages":
        if not stages_file:
            raise ArenaError("--shape stages needs --stages FILE.", "See scenarios/stages.yaml.")
        return stages_from_yaml(stages_file)
    if stages_file:
        raise ArenaError(
            f"--stages applies to --shape stages, not --shape {name}.",
            "Drop --shape (a stages file implies it), or drop --stages.",
        )
    if users < 1:
        raise ArenaError(f"Invalid user count {users}: must be at least 1.")
    if name == "constant":
        return ConstantShape(users, duration, spawn_rate)
    if name == "ramp":
        return RampShape(users, duration, spawn_rate=spawn_rate or 0)
    return SpikeShape(users, duration)
