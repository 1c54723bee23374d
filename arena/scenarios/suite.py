"""A scenario suite YAML -> Suite, validated without a database (the format:
/work/wt/notes/scenario-format.md, and the README's "Scenario suites").

Shipped suites live next to this module in suites/<name>.yaml; a user's suite is a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from arena.errors import ArenaError, UnknownNameError

SUITE_DIR = Path(__file__).resolve().parent / "suites"
PARAM_RE = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
PARAM_SOURCES = ("key", "int", "decimal", "float", "choice", "unique")
DEFAULT_SKEW = 1.0
DEFAULT_SAMPLE_EVERY_S = 2.0
_EXPECT_RE = re.compile(r"^\s*(>=|<=|=)?\s*(\d+)\s*$")


class SuiteError(ArenaError):
    """A suite file that cannot run as written."""


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    source: str  # one of PARAM_SOURCES
    table: str = ""  # key
    skew: float = DEFAULT_SKEW  # key: zipf exponent over the key ranks; 0 = uniform
    distinct_from: str = ""  # key: redraw while equal to this earlier key param
    args: tuple[Any, ...] = ()  # int/decimal/float: (lo, hi); choice: values; unique: (len,)


@dataclass(frozen=True, slots=True)
class Expect:
    """How many rows a step must return or touch: op is "=", ">=" or "<="."""

    op: str
    count: int

    def met(self, rows: int) -> bool:
        if self.op == ">=":
            return rows >= self.count
        if self.op == "<=":
            return rows <= self.count
        return rows == self.count

    def describe(self) -> str:
        return f"{'' if self.op == '=' else self.op}{self.count}"


@dataclass(frozen=True, slots=True)
class Step:
    sql: str
    overrides: dict[str, str] = field(default_factory=dict)  # family or engine -> SQL
    expect: Expect | None = None
    save: tuple[str, ...] = ()  # first row's columns -> parameters
    returns: str = ""  # the new serial id -> this parameter
    returns_column: str = "id"

    def params(self) -> list[str]:
        return PARAM_RE.findall(self.sql)


@dataclass(frozen=True, slots=True)
class Workflow:
    name: str
    steps: tuple[Step, ...]
    params: tuple[ParamSpec, ...] = ()
    weight: float = 1.0
    description: str = ""
    requires: tuple[str, ...] = ()
    unsafe: bool = False


@dataclass(frozen=True, slots=True)
class Invariant:
    name: str
    sql: str
    description: str = ""
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suite:
    name: str
    workflows: tuple[Workflow, ...]
    invariants: tuple[Invariant, ...] = ()
    description: str = ""
    domain: str = ""
    sample_every: float = DEFAULT_SAMPLE_EVERY_S
    source: str = ""

    def workflow(self, name: str) -> Workflow:
        for w in self.workflows:
            if w.name == name:
                return w
        raise UnknownNameError(
            f"workflow of suite {self.name}", name, [w.name for w in self.workflows]
        )

    def select(self, names: list[str] | None) -> tuple[Workflow, ...]:
        """The named workflows (unsafe ones only when named), or every safe one."""
        if names:
            return tuple(self.workflow(n) for n in names)
        return tuple(w for w in self.workflows if not w.unsafe)

    def tables(self) -> set[str]:
        return {p.table for w in self.workflows for p in w.params if p.source == "key"}

    def to_dict(self) -> dict[str, Any]:
        """A plain form sent to load processes (and back through from_dict)."""
        return {"source": self.source, "name": self.name, "data": _RAW.get(self.source)}


# source -> raw YAML data, so a process can rebuild the same Suite from a plan.
_RAW: dict[str, Any] = {}


def shipped_names() -> list[str]:
    return sorted(p.stem for p in SUITE_DIR.glob("*.yaml"))


def load_suite(name_or_path: str) -> Suite:
    """A shipped suite by name, or a user's suite file by path."""
    path = Path(name_or_path)
    if not name_or_path.endswith((".yaml", ".yml")) and "/" not in name_or_path:
        path = SUITE_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise UnknownNameError("suite", name_or_path, shipped_names())
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise SuiteError(f"Cannot read suite {path}: {exc.strerror}.", "Check the path.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SuiteError(f"{where}: malformed YAML: {problem}.", "Fix the file.") from None
    suite = parse_suite(data, str(path), default_name=path.stem)
    _RAW[suite.source] = data
    return suite


def suite_from_dict(plan: dict[str, Any]) -> Suite:
    data = plan["data"]
    _RAW[plan["source"]] = data
    return parse_suite(data, plan["source"], default_name=plan["name"])


def parse_suite(data: Any, source: str = "<suite>", default_name: str = "suite") -> Suite:
    if not isinstance(data, dict) or not isinstance(data.get("workflows"), dict):
        raise SuiteError(
            f"{source}: expected a mapping with `workflows:` (name -> workflow).",
            "See arena/scenarios/suites/finance.yaml.",
        )
    _known_keys(data, ("name", "description", "domain", "sample_every", "workflows",
                       "invariants"), source)  # fmt: skip
    workflows = tuple(
        _workflow(str(name), spec, f"{source}: workflow {name}")
        for name, spec in data["workflows"].items()
    )
    if not workflows:
        raise SuiteError(f"{source}: no workflows.", "Name at least one under `workflows:`.")
    invariants = tuple(
        _invariant(str(name), spec, f"{source}: invariant {name}")
        for name, spec in (data.get("invariants") or {}).items()
    )
    sample = data.get("sample_every", DEFAULT_SAMPLE_EVERY_S)
    if isinstance(sample, str):
        from arena.units import parse_duration

        sample = parse_duration(sample)
    return Suite(
        name=str(data.get("name") or default_name),
        workflows=workflows,
        invariants=invariants,
        description=str(data.get("description") or ""),
        domain=str(data.get("domain") or ""),
        sample_every=float(sample),
        source=source,
    )


def _known_keys(spec: dict, known: tuple[str, ...], where: str) -> None:
    for key in spec:
        if key not in known:
            close = UnknownNameError("key", str(key), known).message
            raise SuiteError(f"{where}: {close}", f"Valid keys: {', '.join(known)}.")


def _workflow(name: str, spec: Any, where: str) -> Workflow:
    if not isinstance(spec, dict) or not isinstance(spec.get("steps"), list):
        raise SuiteError(f"{where}: expected a mapping with a `steps:` list.")
    _known_keys(spec, ("description", "weight", "requires", "unsafe", "params", "steps"), where)
    weight = spec.get("weight", 1)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        raise SuiteError(f"{where}: weight must be a positive number, got {weight!r}.")
    requires = tuple(str(r) for r in spec.get("requires") or ())
    from arena.engines.base import Capabilities

    capabilities = set(Capabilities.__dataclass_fields__)
    for cap in requires:
        if cap not in capabilities:
            raise UnknownNameError(f"capability required by {where}", cap, capabilities)
    params = tuple(
        _param(str(p), ps, f"{where}, param {p}") for p, ps in (spec.get("params") or {}).items()
    )
    steps = tuple(_step(s, f"{where}, step {i + 1}") for i, s in enumerate(spec["steps"]))
    if not steps:
        raise SuiteError(f"{where}: no steps.")
    _check_names(params, steps, where)
    return Workflow(
        name=name, steps=steps, params=params, weight=float(weight),
        description=str(spec.get("description") or ""), requires=requires,
        unsafe=bool(spec.get("unsafe", False)),
    )  # fmt: skip


def _check_names(params: tuple[ParamSpec, ...], steps: tuple[Step, ...], where: str) -> None:
    """Every :name a step uses is a param, or saved / returned by an earlier step."""
    known = {p.name for p in params}
    for p in params:
        if p.distinct_from and p.distinct_from not in known:
            raise SuiteError(f"{where}: param {p.name}: distinct_from names no param "
                             f"'{p.distinct_from}'.")  # fmt: skip
    for i, step in enumerate(steps):
        texts = [step.sql, *(t for t in step.overrides.values() if not _is_na(t))]
        for text in texts:
            for used in PARAM_RE.findall(text):
                if used not in known:
                    hint = f"Known here: {', '.join(sorted(known)) or 'none'}."
                    raise SuiteError(
                        f"{where}, step {i + 1}: unknown parameter :{used}.",
                        hint + " Declare it under params, or save/return it in an earlier step.",
                    )
        known.update(step.save)
        if step.returns:
            known.add(step.returns)


def _is_na(text: str) -> bool:
    return text.strip().lower().startswith("n/a")


def _sql(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SuiteError(f"{where}: `sql` must be a non-empty string.")
    return value.strip()


def _overrides(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SuiteError(f"{where}: overrides must map a family or engine name to SQL.")
    return {str(k): _sql(v, f"{where}, override {k}") for k, v in value.items()}


def _step(spec: Any, where: str) -> Step:
    if isinstance(spec, str):
        spec = {"sql": spec}
    if not isinstance(spec, dict):
        raise SuiteError(f"{where}: expected SQL text or a mapping with `sql:`.")
    _known_keys(spec, ("sql", "overrides", "expect", "save", "returns", "returns_column"), where)
    save = spec.get("save") or ()
    if isinstance(save, str):
        save = [save]
    return Step(
        sql=_sql(spec.get("sql"), where),
        overrides=_overrides(spec.get("overrides"), where),
        expect=parse_expect(spec.get("expect"), where),
        save=tuple(str(s) for s in save),
        returns=str(spec.get("returns") or ""),
        returns_column=str(spec.get("returns_column") or "id"),
    )


def parse_expect(value: Any, where: str) -> Expect | None:
    if value is None:
        return None
    match = _EXPECT_RE.match(str(value))
    if isinstance(value, bool) or not match:
        raise SuiteError(f"{where}: expect must be a row count: N, '>=N' or '<=N'; got {value!r}.")
    return Expect(match.group(1) or "=", int(match.group(2)))


def _param(name: str, spec: Any, where: str) -> ParamSpec:
    if not isinstance(spec, dict):
        raise SuiteError(f"{where}: expected a mapping such as {{key: accounts}}.")
    sources = [s for s in PARAM_SOURCES if s in spec]
    if len(sources) != 1:
        raise SuiteError(
            f"{where}: name exactly one source of {', '.join(PARAM_SOURCES)}.",
            "e.g. {key: accounts}, {int: [1, 5]}, {choice: [a, b]}, {unique: 20}.",
        )
    source = sources[0]
    value = spec[source]
    extra = set(spec) - {source, "skew", "distinct_from"}
    if extra or (source != "key" and set(spec) != {source}):
        raise SuiteError(f"{where}: unexpected {', '.join(sorted(set(spec) - {source}))}.",
                         "skew and distinct_from apply to key params only.")  # fmt: skip
    if source == "key":
        skew = spec.get("skew", DEFAULT_SKEW)
        if not isinstance(skew, int | float) or skew < 0:
            raise SuiteError(f"{where}: skew must be 0 (uniform) or more, got {skew!r}.")
        return ParamSpec(name, source, table=str(value), skew=float(skew),
                         distinct_from=str(spec.get("distinct_from") or ""))  # fmt: skip
    if source in ("int", "decimal", "float"):
        ok = isinstance(value, list) and len(value) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        if not ok or value[0] > value[1]:
            raise SuiteError(f"{where}: {source} expects [low, high], got {value!r}.")
        return ParamSpec(name, source, args=(value[0], value[1]))
    if source == "choice":
        if not isinstance(value, list) or not value:
            raise SuiteError(f"{where}: choice expects a non-empty list, got {value!r}.")
        return ParamSpec(name, source, args=tuple(value))
    if not isinstance(value, int) or isinstance(value, bool) or not 12 <= value <= 200:
        raise SuiteError(f"{where}: unique expects a maximum length 12..200, got {value!r}.")
    return ParamSpec(name, source, args=(value,))


def _invariant(name: str, spec: Any, where: str) -> Invariant:
    if isinstance(spec, str):
        spec = {"sql": spec}
    if not isinstance(spec, dict):
        raise SuiteError(f"{where}: expected a mapping with `sql:`.")
    _known_keys(spec, ("sql", "description", "overrides"), where)
    sql = _sql(spec.get("sql"), where)
    overrides = _overrides(spec.get("overrides"), where)
    for text in (sql, *(t for t in overrides.values() if not _is_na(t))):
        if not is_select(text):
            raise SuiteError(
                f"{where}: an invariant must be a SELECT that returns the violating rows; "
                f"got `{text.split()[0]} ...`.",
                "Write it as SELECT ... WHERE <broken>; no rows means it holds.",
            )
    return Invariant(name, sql, str(spec.get("description") or ""), overrides)


def is_select(sql: str) -> bool:
    """One SELECT (or WITH ... SELECT) statement, nothing that writes."""
    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except sqlglot.errors.ParseError:
        return False
    if len(statements) != 1:
        return False
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        return False
    writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop)
    return not any(isinstance(node, writes) for node in tree.walk())
