"""Instance names `ENGINE@VARIANT`: several servers of one engine side by side, each with its
own name, port, data and server settings (issue 15).

`postgres` is the engine's plain instance; `postgres@tuned` a variant; a variant named by a
version number (`postgres@16`, `mariadb@10.11`) selects that server version. A YAML file of
named variants (`arena up -f variants.yaml`) gives each its engine, version, settings and
limits:

    variants:
      postgres@tuned:
        settings: {shared_buffers: 1GB, synchronous_commit: "off"}
        limits: {cpus: 1, memory: 1g}
      small:                      # a bare name needs `engine`; it becomes mariadb@small
        engine: mariadb
        version: "10.11"
        settings: {innodb_buffer_pool_size: 64M}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arena.errors import ArenaError

if TYPE_CHECKING:
    from arena.engines.base import Engine

NAME_HINT = "Write ENGINE or ENGINE@VARIANT, e.g. postgres@tuned (letters, digits, '.', '_', '-')."
_VARIANT = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
_VERSION = re.compile(r"\d+(\.\d+)?")
_SETTING = re.compile(r"[a-z_][a-z0-9_.-]{0,63}", re.IGNORECASE)


class VariantError(ArenaError):
    """A malformed instance name, a clash of definitions, a setting that cannot apply."""


def split_name(name: str) -> tuple[str, str]:
    """(engine name, variant) of an instance name, lower-cased; the variant is "" for the
    engine's plain instance. Malformed names are one-line errors."""
    text = name.strip().lower()
    if not text:
        engine_of_name(text)  # "Unknown engine ''", with the list of engines
    engine, at, variant = text.partition("@")
    if not engine:
        raise VariantError(f"Malformed instance name '{name}': no engine before '@'.", NAME_HINT)
    if at and not variant:
        raise VariantError(f"Malformed instance name '{name}': no variant after '@'.", NAME_HINT)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", engine) or (
        at and not _VARIANT.fullmatch(variant or "")
    ):
        raise VariantError(f"Malformed instance name '{name}'.", NAME_HINT)
    return engine, variant


def engine_of(name: str) -> Engine:
    """The Engine an instance name runs (unknown engines get a did-you-mean)."""
    return engine_of_name(split_name(name)[0])


def engine_of_name(engine: str) -> Engine:
    from arena.engines import get_engine

    return get_engine(engine)


def canonical(name: str) -> str:
    """The instance name as arena keys it: `postgres`, `postgres@tuned`."""
    engine, variant = split_name(name)
    engine = engine_of(engine).name
    return f"{engine}@{variant}" if variant else engine


def version_of(name: str) -> str | None:
    """The server version a variant's name selects (`postgres@16` -> "16"), else None."""
    variant = split_name(name)[1]
    return variant if _VERSION.fullmatch(variant) else None


def slug(name: str) -> str:
    """The instance name where '@' is not allowed (docker container and volume names)."""
    return canonical(name).replace("@", "_")


@dataclass
class InstanceSpec:
    """One instance `arena up` starts: its engine and what the user asked of it."""

    name: str
    version: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    cpus: float | None = None
    memory: str | None = None
    source: str = "command line"  # where it was defined, for clash messages

    @property
    def engine(self) -> Engine:
        return engine_of(self.name)


def spec_for(name: str) -> InstanceSpec:
    name = canonical(name)
    return InstanceSpec(name, version=version_of(name))


def parse_set(items: tuple[str, ...] | list[str], names: list[str]) -> dict[str, dict[str, str]]:
    """Repeated `--set INSTANCE:KEY=VALUE` (a bare KEY=VALUE when one instance is named) ->
    {instance: {key: value}}. An instance not being started is an error, not ignored."""
    result: dict[str, dict[str, str]] = {}
    for item in items:
        target, colon, assignment = item.partition(":")
        if not colon or "=" not in assignment:
            if "=" in item and len(names) == 1:
                target, assignment = names[0], item
            else:
                raise VariantError(
                    f"--set '{item}' is not INSTANCE:KEY=VALUE.",
                    "e.g. --set postgres@tuned:shared_buffers=1GB",
                )
        instance = canonical(target)
        if instance not in names:
            raise VariantError(
                f"--set '{item}' is for {instance}, which this command does not start.",
                f"Name it among the instances to start ({', '.join(names)}).",
            )
        key, _, value = assignment.partition("=")
        result.setdefault(instance, {})[check_setting(key.strip(), value.strip(), item)] = (
            value.strip()
        )
    return result


def check_setting(key: str, value: str, where: str) -> str:
    if not _SETTING.fullmatch(key):
        raise VariantError(
            f"Invalid setting name '{key}' in {where}.",
            "A server setting is a word of letters, digits, '_', '.' or '-'.",
        )
    if not value or any(c in value for c in "\n\r\0"):
        raise VariantError(
            f"Invalid value for {key} in {where}: empty or several lines.",
            "Give one value, e.g. shared_buffers=1GB.",
        )
    return key


def load_variants(path: str) -> list[InstanceSpec]:
    """The named variants of a YAML file; a name defined twice is an error."""
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise VariantError(
                    f"{path}: '{key}' is defined twice (line {key_node.start_mark.line + 1}).",
                    "Give each variant one definition.",
                )
            seen.add(key)
        return loader.construct_mapping(node)

    UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        data = yaml.load(Path(path).read_text(), Loader=UniqueKeys)  # noqa: S506 - SafeLoader
    except OSError as exc:
        raise VariantError(f"Cannot read {path}: {exc.strerror}.", "Check the path.") from None
    except UnicodeDecodeError:
        raise VariantError(
            f"Cannot read {path}: it is not UTF-8 text.", "Give a YAML file."
        ) from None
    except yaml.YAMLError as exc:
        raise VariantError(
            f"{path} is not valid YAML: {' '.join(str(exc).split())}", "Fix the file."
        ) from None
    variants = data.get("variants") if isinstance(data, dict) else None
    if not isinstance(variants, dict) or not variants:
        raise VariantError(
            f"{path} has no 'variants:' mapping of names to definitions.",
            "See README, Variants and versions, for the format.",
        )
    specs: dict[str, InstanceSpec] = {}
    for key, body in variants.items():
        spec = _variant(path, str(key), body if body is not None else {})
        if spec.name in specs:
            raise VariantError(
                f"{path}: '{key}' and '{specs[spec.name].source}' both define {spec.name}.",
                "Give each variant one definition.",
            )
        specs[spec.name] = spec
    return list(specs.values())


def _variant(path: str, key: str, body: Any) -> InstanceSpec:
    where = f"{path}: variant '{key}'"
    if not isinstance(body, dict):
        raise VariantError(f"{where} must be a mapping.", "e.g. settings: {work_mem: 64MB}")
    unknown = sorted(set(body) - {"engine", "version", "settings", "limits"})
    if unknown:
        raise VariantError(
            f"{where} has unknown keys: {', '.join(map(str, unknown))}.",
            "Valid: engine, version, settings, limits.",
        )
    engine = str(body.get("engine") or "").strip().lower()
    name = key if "@" in key or not engine or key == engine else f"{engine}@{key}"
    name = canonical(name)
    if engine and engine_of(engine).name != engine_of(name).name:
        raise VariantError(f"{where} is named for {engine_of(name).name} but says engine {engine}.")
    version = str(body["version"]).strip() if body.get("version") is not None else None
    implied = version_of(name)
    if version and implied and version != implied:
        raise VariantError(f"{where} is named for version {implied} but says version {version}.")
    settings = body.get("settings") or {}
    limits = body.get("limits") or {}
    if not isinstance(settings, dict) or not isinstance(limits, dict):
        raise VariantError(f"{where}: settings and limits must be mappings.")
    if set(limits) - {"cpus", "memory"}:
        raise VariantError(f"{where}: limits take cpus and memory only.")
    clean = {check_setting(str(k), _text(v), where): _text(v) for k, v in settings.items()}
    cpus = limits.get("cpus")
    if cpus is not None and (isinstance(cpus, bool) or not isinstance(cpus, int | float)):
        raise VariantError(f"{where}: limits.cpus must be a number, e.g. 1.5.")
    memory = str(limits["memory"]) if limits.get("memory") is not None else None
    if memory:
        from arena.units import parse_size

        parse_size(memory)
    return InstanceSpec(
        name, version or implied, clean, float(cpus) if cpus else None, memory, source=key
    )


def _text(value: Any) -> str:
    """A YAML scalar as the server reads it: booleans as on/off (YAML reads `off` as False)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value).strip()


def merge(names: list[str], files: tuple[str, ...], sets: tuple[str, ...]) -> list[InstanceSpec]:
    """The instances `arena up` starts: named ones, every variant of the files, and --set on
    top. Two definitions of one name (in two files, or a file and a --set of the same key)
    are an error."""
    specs: dict[str, InstanceSpec] = {}
    for path in files:
        for spec in load_variants(path):
            if spec.name in specs:
                raise VariantError(
                    f"{spec.name} is defined in {specs[spec.name].source} and in {path}.",
                    "Give each variant one definition.",
                )
            spec.source = path
            specs[spec.name] = spec
    for name in names:
        spec = spec_for(name)
        specs.setdefault(spec.name, spec)
    for instance, settings in parse_set(sets, list(specs)).items():
        spec = specs[instance]
        clash = sorted(
            k for k in settings if k in spec.settings and spec.settings[k] != settings[k]
        )
        if clash:
            raise VariantError(
                f"{instance}: {', '.join(clash)} is set both in {spec.source} and by --set.",
                "Set each setting in one place.",
            )
        spec.settings.update(settings)
    return list(specs.values())


def no_settings(engine: Engine, settings: dict[str, str]) -> list[str]:
    """Engine.setting_flags of an engine that takes no server settings."""
    if settings:
        raise VariantError(
            f"{engine.display_name} takes no server settings (asked: {', '.join(sorted(settings))}).",
            "Drop the --set for it.",
        )
    return []


def first_error_line(log: str) -> str | None:
    """From the log of a server that exited while starting: the first line saying why
    (later ones say "Aborting"), from its marker on, without the timestamp."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    for marker in ("FATAL:", "[ERROR]", "ERROR:"):
        hits = [ln[ln.index(marker) :] for ln in lines if marker in ln]
        if hits:
            return " ".join(hits[0].split())
    return None


def refused_settings_error(
    instance: str, settings: dict[str, str], log: str, cleaned: str
) -> VariantError | None:
    """The one-line error for a server that would not start with `settings`, its reason
    read from `log`; None when the log does not say. `cleaned`: what was removed."""
    reason = first_error_line(log)
    if reason is None:
        return None
    asked = ", ".join(f"{k}={v}" for k, v in settings.items())
    return VariantError(
        f"{instance}: the server refused to start with {asked}: {reason}",
        f"Fix or drop that --set; {cleaned}.",
    )


__all__ = [
    "InstanceSpec",
    "VariantError",
    "canonical",
    "engine_of",
    "load_variants",
    "merge",
    "parse_set",
    "slug",
    "split_name",
    "spec_for",
    "version_of",
]
