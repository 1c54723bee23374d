"""compose/<engine>.yml as the single source of container specs.

The files are plain Compose files (`docker compose -f compose/postgres.yml up` works), with
ARENA_* variables in Compose's interpolation syntax. The docker runtime renders them with its
own values (port, password, image, listen address, volume name) into ServiceSpecs, then into
Docker SDK arguments. Only the Compose keys arena's files use are understood; anything else
is an error rather than silently ignored.
https://docs.docker.com/reference/compose-file/interpolation/
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from arena.errors import ArenaError
from arena.units import parse_size

# Keys of a service arena turns into container arguments (x-arena-* are arena's own).
SERVICE_KEYS = frozenset(
    {
        "image", "network_mode", "environment", "command", "shm_size", "stop_signal",
        "stop_grace_period", "volumes", "healthcheck", "depends_on", "x-arena-bridge-ports",
    }
)  # fmt: skip

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR, and $$.
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)")
_DURATION_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def compose_dir() -> Path:
    """compose/ next to the arena package (a source checkout), or ARENA_COMPOSE_DIR."""
    override = os.environ.get("ARENA_COMPOSE_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "compose"


def compose_file(engine_name: str) -> Path:
    return compose_dir() / f"{engine_name}.yml"


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One rendered service of a compose file: what a container is created from."""

    name: str
    image: str
    environment: dict[str, str]
    command: list[str] | None
    network_mode: str
    bridge_ports: list[str]
    shm_size: int | None
    stop_signal: str | None
    stop_timeout: int | None
    volumes: dict[str, str]  # volume name -> mount path in the container
    healthcheck: dict[str, Any] | None
    depends_on: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def port_bindings(self) -> dict[str, tuple[str, int]]:
        """x-arena-bridge-ports ('127.0.0.1:HOST:CONTAINER') as Docker SDK `ports`."""
        bindings: dict[str, tuple[str, int]] = {}
        for item in self.bridge_ports:
            host_ip, host_port, container_port = item.rsplit(":", 2)
            if host_ip != "127.0.0.1":
                raise ArenaError(
                    f"compose port '{item}' publishes on {host_ip}.",
                    "arena publishes on 127.0.0.1 only; fix x-arena-bridge-ports.",
                )
            bindings[f"{container_port}/tcp"] = (host_ip, int(host_port))
        return bindings


def interpolate(text: str, variables: dict[str, str], where: str = "") -> str:
    """Compose's variable interpolation over `variables` (not os.environ: arena decides)."""

    def substitute(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = variables.get(name)
        unset_or_empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":-", "-") and (value is None if op == "-" else unset_or_empty):
            return interpolate(arg, variables, where)
        if op in (":?", "?") and (value is None if op == "?" else unset_or_empty):
            raise ArenaError(
                f"{where or 'compose file'}: variable {name} is required ({arg or 'unset'}).",
                "This is a bug in arena's rendering of the compose file; please report it.",
            )
        return value or ""

    return _VARIABLE.sub(substitute, text)


def _interpolate_tree(node: Any, variables: dict[str, str], where: str) -> Any:
    if isinstance(node, str):
        return interpolate(node, variables, where)
    if isinstance(node, list):
        return [_interpolate_tree(item, variables, where) for item in node]
    if isinstance(node, dict):
        return {key: _interpolate_tree(value, variables, where) for key, value in node.items()}
    return node


def parse_duration_seconds(text: str | int | float) -> float:
    """Compose durations: '2s', '1m30s', '500ms'."""
    if isinstance(text, int | float):
        return float(text)
    parts = _DURATION.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ArenaError(f"Invalid compose duration '{text}'.", "Valid: 500ms, 2s, 1m30s.")
    return sum(float(n) * _DURATION_SECONDS[u] for n, u in parts)


def _healthcheck(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """Compose healthcheck -> Docker API Healthcheck (durations in nanoseconds)."""
    if not raw:
        return None
    test = raw["test"]
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    check: dict[str, Any] = {"test": [str(t) for t in test]}
    for key in ("interval", "timeout", "start_period"):
        if key in raw:
            check[key] = int(parse_duration_seconds(raw[key]) * 1e9)
    if "retries" in raw:
        check["retries"] = int(raw["retries"])
    return check


def _environment(raw: dict[str, Any] | list[str] | None) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def load_compose(engine_name: str) -> dict[str, Any]:
    path = compose_file(engine_name)
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ArenaError(
            f"No compose file for {engine_name}: {path} is missing.",
            "Run arena from its source checkout, or set ARENA_COMPOSE_DIR to its compose/ folder.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:  # unreadable: permissions, a directory, binary
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise ArenaError(
            f"Cannot read the compose file {path}: {reason}.",
            "Make it readable, or set ARENA_COMPOSE_DIR to a compose/ folder arena can read.",
        ) from None
    except yaml.YAMLError as exc:
        raise ArenaError(f"{path} is not valid YAML: {exc}.", "Fix the file.") from None
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        raise ArenaError(f"{path} has no services.", "A compose file needs a services: map.")
    return document


def render(engine_name: str, variables: dict[str, str]) -> dict[str, ServiceSpec]:
    """Every service of compose/<engine>.yml with the ARENA_* variables filled in."""
    document = load_compose(engine_name)
    where = compose_file(engine_name).name
    volume_names = {
        key: interpolate(str((value or {}).get("name", key)), variables, where)
        for key, value in (document.get("volumes") or {}).items()
    }
    services: dict[str, ServiceSpec] = {}
    for name, raw in document["services"].items():
        unknown = set(raw) - SERVICE_KEYS
        if unknown:
            raise ArenaError(
                f"{where}: service {name} uses {', '.join(sorted(unknown))}, which arena does "
                "not render.",
                f"Supported keys: {', '.join(sorted(SERVICE_KEYS))}.",
            )
        svc = _interpolate_tree(raw, variables, f"{where} ({name})")
        volumes: dict[str, str] = {}
        for item in svc.get("volumes", []):
            source, target = item.split(":", 1)
            if source not in volume_names:
                raise ArenaError(
                    f"{where}: service {name} mounts '{source}', which is not a named volume.",
                    "arena keeps data in named volumes only; declare it under volumes:.",
                )
            volumes[volume_names[source]] = target.split(":")[0]
        grace = svc.get("stop_grace_period")
        command = svc.get("command")
        services[name] = ServiceSpec(
            name=name,
            image=svc["image"],
            environment=_environment(svc.get("environment")),
            command=[str(c) for c in command] if isinstance(command, list) else (
                command.split() if command else None
            ),
            network_mode=svc.get("network_mode", "bridge"),
            bridge_ports=[str(p) for p in svc.get("x-arena-bridge-ports", [])],
            shm_size=parse_size(str(svc["shm_size"])) if "shm_size" in svc else None,
            stop_signal=svc.get("stop_signal"),
            stop_timeout=int(parse_duration_seconds(grace)) if grace else None,
            volumes=volumes,
            healthcheck=_healthcheck(svc.get("healthcheck")),
            depends_on=tuple(svc.get("depends_on") or ()),
        )  # fmt: skip
    return services


__all__ = ["ServiceSpec", "compose_dir", "compose_file", "interpolate", "render"]
