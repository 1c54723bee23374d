"""Container specs: compose/<engine>.yml rendered for one project and one `arena up` into
Docker SDK arguments, with the labels that let discovery find containers without the state
file. No Docker calls here: everything is testable as data."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from dataclasses import dataclass
from typing import Any

from arena.engines.base import Engine
from arena.errors import ArenaError
from arena.instances import slug
from arena.models import StartOptions
from arena.runtime import compose
from arena.state import ProjectState

LABEL_PROJECT = "arena.project"
LABEL_ENGINE = "arena.engine"
LABEL_INSTANCE = "arena.instance"  # postgres@tuned; absent on containers of earlier arenas
LABEL_SERVICE = "arena.service"  # the compose service the container was made from
LABEL_ROLE = "arena.role"  # "main" (the database) or "rest" (Supabase's PostgREST)
LABEL_ENDPOINT = "arena.endpoint"  # JSON: what discover() needs to rebuild the Endpoint
# On the data volume: the password its data was initialised with, so an `up` after the state
# file was lost still logs in. Readable only through the Docker socket, like the container's
# environment, which holds the same password by the images' contract.
LABEL_SECRET = "arena.password"
REST_SERVICE = "rest"


def default_network() -> str:
    """Host networking where it is the host's own network stack (Linux), else bridge."""
    return "host" if sys.platform.startswith("linux") else "bridge"


def volume_name(state: ProjectState, instance: str) -> str:
    return f"arena-{state.id}-{slug(instance)}"


def container_name(state: ProjectState, instance: str, service: str, main: bool) -> str:
    return f"arena-{state.id}-{slug(instance)}" + ("" if main else f"-{service}")


def image_for_version(engine: Engine, version: str) -> str:
    """The docker image of `postgres@16`: the default image's repository at tag 16."""
    return f"{(engine.default_image or '').rsplit(':', 1)[0]}:{version}"


def jwt_secret(password: str) -> str:
    """PostgREST wants a JWT secret of 32+ characters; derive one from the project's password
    (one-way, so the secret does not reveal the password)."""
    return hashlib.sha256(f"arena-jwt:{password}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StartPlan:
    """Everything decided before a container is created: rendered specs and their values."""

    engine: Engine
    instance: str  # postgres, postgres@tuned: names the container and the volume
    network: str
    port: int
    password: str
    volume: str
    limits: dict[str, Any]
    services: dict[str, compose.ServiceSpec]
    rest_port: int | None = None
    settings: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def main(self) -> compose.ServiceSpec:
        return next(s for s in self.services.values() if s.name != REST_SERVICE)


def render_plan(
    state: ProjectState,
    engine: Engine,
    options: StartOptions,
    port: int,
    password: str,
    rest_port: int | None = None,
    host_memory: int | None = None,
) -> StartPlan:
    """compose/<engine>.yml rendered for this project and these options (no Docker calls)."""
    instance = options.name or engine.name
    network = options.network or default_network()
    if network not in ("host", "bridge"):
        raise ArenaError(f"Unknown network mode '{network}'.", "Valid: host, bridge.")
    # Validates the env contract too (SQL Server's password rule) before anything starts.
    engine.container_env(engine.default_user, password, engine.default_database)
    limits = resource_limits(engine, options, host_memory)
    variables = {
        "ARENA_PORT": str(port),
        "ARENA_LISTEN": "127.0.0.1" if network == "host" else "0.0.0.0",
        "ARENA_USER": engine.default_user,
        "ARENA_PASSWORD": password,
        "ARENA_DATABASE": engine.default_database,
        "ARENA_VOLUME": volume_name(state, instance),
        "ARENA_DB_HOST": "127.0.0.1"
        if network == "host"
        else container_name(state, instance, "db", True),
    }
    if options.image:
        variables["ARENA_IMAGE"] = options.image
    elif options.version:
        variables["ARENA_IMAGE"] = image_for_version(engine, options.version)
    if rest_port is not None:
        variables["ARENA_REST_PORT"] = str(rest_port)
        variables["ARENA_JWT_SECRET"] = jwt_secret(password)
    services = compose.render(engine.name, variables)
    flags = engine.setting_flags(options.settings)
    if flags:
        # The server's own options after the image's command (postgres -c k=v, mysqld --k=v).
        main = next(s for s in services.values() if s.name != REST_SERVICE)
        if not main.command:
            raise ArenaError(
                f"compose/{engine.name}.yml gives its server no command to add settings to.",
                "Add the server's command to the compose file.",
            )
        services = {
            k: (dataclasses.replace(v, command=[*v.command, *flags]) if v is main else v)
            for k, v in services.items()
        }
    return StartPlan(
        engine=engine,
        instance=instance,
        network=network,
        port=port,
        password=password,
        volume=volume_name(state, instance),
        limits=limits,
        services=services,
        rest_port=rest_port,
        settings=dict(options.settings),
    )


def resource_limits(
    engine: Engine, options: StartOptions, host_memory: int | None = None
) -> dict[str, Any]:
    """--cpus/--memory as recorded with the endpoint (and checked against engine minimums)."""
    from arena.units import parse_size

    limits: dict[str, Any] = {}
    if options.cpus is not None:
        if options.cpus <= 0:
            raise ArenaError(f"Invalid --cpus {options.cpus}.", "Use a positive number, e.g. 2.")
        limits["cpus"] = options.cpus
    if options.memory:
        limits["memory"] = options.memory
        limits["memory_bytes"] = parse_size(options.memory)
    minimum = getattr(engine, "min_memory_bytes", None)
    available = limits.get("memory_bytes", host_memory)
    if minimum and available is not None and available < minimum:
        where = f"--memory {options.memory}" if options.memory else "this Docker host"
        raise ArenaError(
            f"{engine.display_name} needs at least {minimum / 1024**3:.0f} GB of memory; "
            f"{where} gives {available / 1024**3:.1f} GB.",
            f"Use --memory {minimum // 1024**3}g or more.",
        )
    return limits


def container_kwargs(
    state: ProjectState, plan: StartPlan, spec: compose.ServiceSpec, network_name: str | None
) -> dict[str, Any]:
    """Docker SDK `containers.run` arguments for one rendered service."""
    main = spec is plan.main
    name = container_name(state, plan.instance, spec.name, main)
    labels = {
        LABEL_PROJECT: state.id,
        LABEL_ENGINE: plan.engine.name,
        LABEL_INSTANCE: plan.instance,
        LABEL_SERVICE: spec.name,
        LABEL_ROLE: "main" if main else spec.name,
    }
    if main:
        labels[LABEL_ENDPOINT] = json.dumps(
            {
                "port": plan.port,
                "user": plan.engine.default_user,
                "database": plan.engine.default_database,
                "network": plan.network,
                "volume": plan.volume,
                "limits": plan.limits,
                "rest_port": plan.rest_port,
                "password_env": password_env(spec, plan.password),
                "stop_timeout": spec.stop_timeout,
                "requested_settings": plan.settings,
            },
            sort_keys=True,
        )
    kwargs: dict[str, Any] = {
        "image": spec.image,
        "name": name,
        "command": spec.command,
        "environment": spec.environment,
        "labels": labels,
        "detach": True,
        "volumes": {vol: {"bind": path, "mode": "rw"} for vol, path in spec.volumes.items()},
    }
    if spec.shm_size:
        kwargs["shm_size"] = spec.shm_size
    if spec.stop_signal:
        kwargs["stop_signal"] = spec.stop_signal
    if spec.healthcheck:
        kwargs["healthcheck"] = spec.healthcheck
    if "cpus" in plan.limits:
        kwargs["nano_cpus"] = int(plan.limits["cpus"] * 1e9)
    if "memory_bytes" in plan.limits:
        # No swap beyond the limit: every engine gets exactly the same memory.
        kwargs["mem_limit"] = kwargs["memswap_limit"] = plan.limits["memory_bytes"]
    if plan.network == "host":
        kwargs["network_mode"] = "host"
    else:
        kwargs["ports"] = spec.port_bindings()
        if network_name:
            kwargs["network"] = network_name
    return kwargs


def password_env(spec: compose.ServiceSpec, password: str) -> str | None:
    """Which environment variable of the container holds the password (for discover())."""
    names = [k for k, v in spec.environment.items() if v == password]
    return next((n for n in names if "ROOT" in n or "SA_" in n), names[0] if names else None)


def compose_has_rest(engine_name: str) -> bool:
    return REST_SERVICE in compose.load_compose(engine_name)["services"]


__all__ = [
    "LABEL_ENDPOINT", "LABEL_ENGINE", "LABEL_INSTANCE", "LABEL_PROJECT", "LABEL_ROLE",
    "LABEL_SECRET", "LABEL_SERVICE", "REST_SERVICE", "StartPlan", "compose_has_rest",
    "container_kwargs", "container_name", "default_network", "image_for_version", "jwt_secret",
    "password_env", "render_plan", "resource_limits", "volume_name",
]  # fmt: skip
