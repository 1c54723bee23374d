"""Docker runtime: one container per engine service, specs from compose/<engine>.yml.

Containers carry labels (arena.project=<state id>, arena.engine=<name>, ...) so `arena ps`
finds them even when .arena/state.json is lost, and data lives in named volumes
(arena-<project>-<engine>) that only `arena down --purge` deletes.

On Linux the default is host networking: the server listens on a free loopback port given
on its own command line, so no docker-proxy sits in the measured path. Elsewhere, or with
--network bridge, the port is published on 127.0.0.1 only. Readiness is a real connection
over TCP (engine.probe): official images run a temporary socket-only server while they
initialise, so a Unix-socket probe would answer too early.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from arena.engines.base import Engine
from arena.errors import ArenaError, RuntimeUnavailableError
from arena.models import Endpoint, Health, StartOptions
from arena.runtime import compose
from arena.runtime.base import Runtime, free_port
from arena.runtime.wait import WaitForReady
from arena.state import ProjectState

LABEL_PROJECT = "arena.project"
LABEL_ENGINE = "arena.engine"
LABEL_SERVICE = "arena.service"  # the compose service the container was made from
LABEL_ROLE = "arena.role"  # "main" (the database) or "rest" (Supabase's PostgREST)
LABEL_ENDPOINT = "arena.endpoint"  # JSON: what discover() needs to rebuild the Endpoint

# The database a readiness probe may use before arena's own database exists (SQL Server
# creates none from its environment; arena creates it after start).
READY_DATABASE = {"sqlserver": "master"}
REST_SERVICE = "rest"
# Images `make images` builds locally as test stand-ins (see standins/README.md).
STANDIN_TAGS = ("postgres:16", "mariadb:11", "mysql:8.4")


def daemon_answers(timeout: float = 2.0) -> bool:
    """True when a Docker daemon answers a ping on the configured socket."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def docker_host() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def connect_client(timeout: float = 120.0) -> Any:
    """A Docker SDK client whose daemon answered a ping, or a one-line error saying why not."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except DockerException as exc:
        raise daemon_error(str(exc)) from None
    except Exception as exc:  # requests' ConnectionError and friends
        raise daemon_error(str(exc)) from None


def daemon_error(reason: str) -> RuntimeUnavailableError:
    if "Permission denied" in reason or "PermissionError" in reason:
        return RuntimeUnavailableError(
            f"Permission denied on the Docker socket ({docker_host()}).",
            "Add your user to the docker group (sudo usermod -aG docker $USER, then log in "
            "again) or run arena as root; or use --runtime native.",
        )
    return RuntimeUnavailableError(
        f"No Docker daemon answers at {docker_host()}.",
        "Start it (sudo systemctl start docker, or scripts/docker-ci.sh daemon), "
        "or use --runtime native.",
    )


def default_network() -> str:
    """Host networking where it is the host's own network stack (Linux), else bridge."""
    return "host" if sys.platform.startswith("linux") else "bridge"


def volume_name(state: ProjectState, engine_name: str) -> str:
    return f"arena-{state.id}-{engine_name}"


def container_name(state: ProjectState, engine_name: str, service: str, main: bool) -> str:
    return f"arena-{state.id}-{engine_name}" + ("" if main else f"-{service}")


def jwt_secret(password: str) -> str:
    """PostgREST wants a JWT secret of 32+ characters; derive one from the project's password
    (one-way, so the secret does not reveal the password)."""
    return hashlib.sha256(f"arena-jwt:{password}".encode()).hexdigest()


def sqlserver_create_database(engine: Engine, database: str) -> str:
    """T-SQL creating the project's database once (the image creates none)."""
    literal = "N'" + database.replace("'", "''") + "'"
    return f"IF DB_ID({literal}) IS NULL CREATE DATABASE {engine.quote(database)}"


def supabase_roles_sql(password: str) -> list[str]:
    """Supabase's roles, and the password PostgREST's `authenticator` logs in with."""
    from arena.engines.supabase import SUPABASE_ROLES_SQL, quote_literal

    return [SUPABASE_ROLES_SQL, f"ALTER ROLE authenticator PASSWORD {quote_literal(password)}"]


@dataclass(frozen=True, slots=True)
class StartPlan:
    """Everything decided before a container is created: rendered specs and their values."""

    engine: Engine
    network: str
    port: int
    password: str
    volume: str
    limits: dict[str, Any]
    services: dict[str, compose.ServiceSpec]
    rest_port: int | None = None

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
        "ARENA_VOLUME": volume_name(state, engine.name),
        "ARENA_DB_HOST": "127.0.0.1"
        if network == "host"
        else container_name(state, engine.name, "db", True),
    }
    if options.image:
        variables["ARENA_IMAGE"] = options.image
    if rest_port is not None:
        variables["ARENA_REST_PORT"] = str(rest_port)
        variables["ARENA_JWT_SECRET"] = jwt_secret(password)
    services = compose.render(engine.name, variables)
    return StartPlan(
        engine=engine,
        network=network,
        port=port,
        password=password,
        volume=volume_name(state, engine.name),
        limits=limits,
        services=services,
        rest_port=rest_port,
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
    name = container_name(state, plan.engine.name, spec.name, main)
    labels = {
        LABEL_PROJECT: state.id,
        LABEL_ENGINE: plan.engine.name,
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


class DockerRuntime(Runtime):
    name = "docker"

    def __init__(self, state: ProjectState) -> None:
        super().__init__(state)
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect_client()
        return self._client

    def check_available(self, engine: Engine) -> None:
        if "docker" not in engine.runtimes:
            raise RuntimeUnavailableError(
                f"{engine.display_name} does not run in a container.",
                f"It runs with: {', '.join(engine.runtimes)}.",
            )
        compose.load_compose(engine.name)
        _ = self.client

    # -- start ------------------------------------------------------------------------------
    def start(self, engine: Engine, options: StartOptions) -> Endpoint:
        self.check_available(engine)
        password = self._password(engine.name)
        self._remove_containers(engine.name)  # leftovers of a lost state file
        has_rest = compose_has_rest(engine.name)
        host_memory = self.client.info().get("MemTotal")
        plan = render_plan(
            self.state,
            engine,
            options,
            port=free_port(options.port),
            password=password,
            rest_port=free_port() if has_rest else None,
            host_memory=host_memory,
        )
        for spec in plan.services.values():
            self._ensure_image(spec.image)
        created_volume = self._ensure_volume(plan)
        try:
            return self._start_services(plan)
        except BaseException:
            self._remove_containers(engine.name)
            if created_volume:
                self._remove_volumes(engine.name)
            raise

    def _start_services(self, plan: StartPlan) -> Endpoint:
        from docker.errors import APIError

        engine = plan.engine
        network_name = (
            self._ensure_network() if plan.network == "bridge" and plan.rest_port else None
        )
        main = plan.main
        try:
            container = self.client.containers.run(
                **container_kwargs(self.state, plan, main, network_name)
            )
        except APIError as exc:
            raise self._api_error(engine, exc) from None
        endpoint = Endpoint(
            engine=engine.name,
            runtime=self.name,
            host="127.0.0.1",
            port=plan.port,
            database=engine.default_database,
            user=engine.default_user,
            password=plan.password,
            container_id=container.id,
            started_at=time.time(),
            limits=plan.limits,
            extra={
                "container": container.name,
                "image": main.image,
                "network": plan.network,
                "volume": plan.volume,
            },
        )
        ready = endpoint.replace(database=READY_DATABASE.get(engine.name, endpoint.database))
        self._wait(engine, container, f"127.0.0.1:{plan.port}", lambda: engine.probe(ready))
        self._bootstrap(engine, endpoint, plan)
        if plan.rest_port is not None:
            rest = plan.services[REST_SERVICE]
            try:
                rest_container = self.client.containers.run(
                    **container_kwargs(self.state, plan, rest, network_name)
                )
            except APIError as exc:
                raise self._api_error(engine, exc) from None
            url = f"http://127.0.0.1:{plan.rest_port}"
            self._wait(engine, rest_container, url, lambda: http_get(url + "/"))
            endpoint = endpoint.replace(
                extra={
                    **endpoint.extra,
                    "rest_url": url,
                    "rest_container_id": rest_container.id,
                    "endpoints": {
                        f"{engine.name}-db": f"127.0.0.1:{plan.port}",
                        f"{engine.name}-rest": url,
                    },
                }
            )
        return endpoint.replace(version=engine.probe(endpoint))

    def _wait(self, engine: Engine, container: Any, address: str, probe: Any) -> None:
        WaitForReady(
            what=f"{engine.display_name} (container {container.name}, {address})",
            probe=probe,
            timeout=engine.start_timeout,
            hint=(
                f"Full log: docker logs {container.name}. If volume "
                f"{volume_name(self.state, engine.name)} holds data of an earlier run, "
                f"`arena down {engine.name} --purge` starts afresh."
            ),
            still_running=lambda: container_running(container),
            log_tail=lambda: container_log_tail(container, 12),
            max_interval=0.5,
        ).wait()

    def _bootstrap(self, engine: Engine, endpoint: Endpoint, plan: StartPlan) -> None:
        """What the image's own environment contract does not do."""
        statements: list[str] = []
        target = endpoint
        if engine.name == "sqlserver":
            statements = [sqlserver_create_database(engine, endpoint.database)]
            target = endpoint.replace(database="master")
        elif engine.name == "supabase":
            statements = supabase_roles_sql(plan.password)
        if not statements:
            return
        conn = engine.connect(target)
        try:
            cursor = conn.cursor()
            for statement in statements:
                cursor.execute(statement)
        finally:
            conn.close()

    def _password(self, engine_name: str) -> str:
        """The project's password; adopted from a leftover container when the state was lost."""
        known = self.state.snapshot().get("passwords", {})
        if engine_name not in known:
            for found in self.discover():
                if found.engine == engine_name and found.password:
                    with self.state.locked() as data:
                        data.setdefault("passwords", {})[engine_name] = found.password
        return self.state.password(engine_name)

    def image_present(self, image: str) -> bool:
        """Whether the image is here already (no pull), e.g. for `arena engines`."""
        from docker.errors import ImageNotFound

        try:
            self.client.images.get(image)
        except ImageNotFound:
            return False
        return True

    def _ensure_image(self, image: str) -> None:
        from docker.errors import DockerException

        if self.image_present(image):
            return
        if os.environ.get("ARENA_DOCKER_PULL", "missing") == "never":
            reason = "ARENA_DOCKER_PULL=never"
        else:
            try:
                self.client.images.pull(image)
                return
            except DockerException as exc:
                reason = " ".join(str(getattr(exc, "explanation", None) or exc).split())[:160]
        if image in STANDIN_TAGS:
            hint = (
                f"Pull it (docker pull {image}) or, without a registry, build arena's local "
                "test stand-ins with `make images`."
            )
        else:
            hint = (
                f"Pull it (docker pull {image}); arena has no local stand-in for it. "
                "Or choose another image with --image ENGINE=IMAGE."
            )
        raise ArenaError(
            f"Docker image {image} is not present here and could not be pulled ({reason}).", hint
        )

    def _ensure_volume(self, plan: StartPlan) -> bool:
        """Create the engine's named volume; True when this start created it."""
        from docker.errors import NotFound

        try:
            self.client.volumes.get(plan.volume)
            return False
        except NotFound:
            self.client.volumes.create(
                name=plan.volume,
                labels={LABEL_PROJECT: self.state.id, LABEL_ENGINE: plan.engine.name},
            )
            return True

    def _ensure_network(self) -> str:
        """A project network so PostgREST reaches the database by container name (bridge)."""
        name = f"arena-{self.state.id}"
        if not self.client.networks.list(names=[name]):
            self.client.networks.create(
                name, driver="bridge", labels={LABEL_PROJECT: self.state.id}
            )
        return name

    def _api_error(self, engine: Engine, exc: Any) -> ArenaError:
        text = " ".join(str(getattr(exc, "explanation", None) or exc).split())
        if "network" in text and "not found" in text:
            return ArenaError(
                f"Docker cannot start {engine.display_name}: {text}.",
                "This daemon has no bridge network (dockerd --bridge=none?); use --network host.",
            )
        if "address already in use" in text:
            return ArenaError(
                f"Docker cannot start {engine.display_name}: a port is already in use ({text}).",
                "Pick another with --port ENGINE=PORT, or leave --port out for a free one.",
            )
        return ArenaError(
            f"Docker cannot start {engine.display_name}: {text}.",
            "See `docker info` and the daemon's log.",
        )

    # -- find, stop, inspect ------------------------------------------------------------------
    def _containers(self, engine_name: str | None = None, role: str | None = None) -> list[Any]:
        labels = [f"{LABEL_PROJECT}={self.state.id}"]
        if engine_name:
            labels.append(f"{LABEL_ENGINE}={engine_name}")
        if role:
            labels.append(f"{LABEL_ROLE}={role}")
        return self.client.containers.list(all=True, filters={"label": labels})

    def discover(self) -> list[Endpoint]:
        """This project's engines, rebuilt from container labels (no state file needed)."""
        passwords = self.state.snapshot().get("passwords", {})
        found = []
        for container in self._containers(role="main"):
            labels = container.labels
            meta = json.loads(labels.get(LABEL_ENDPOINT, "{}"))
            engine_name = labels[LABEL_ENGINE]
            env = dict(item.split("=", 1) for item in container.attrs["Config"].get("Env") or [])
            password = passwords.get(engine_name) or env.get(meta.get("password_env") or "", "")
            extra: dict[str, Any] = {
                "container": container.name,
                "image": container.attrs["Config"].get("Image", ""),
                "network": meta.get("network"),
                "volume": meta.get("volume"),
            }
            if meta.get("rest_port"):
                extra["rest_url"] = f"http://127.0.0.1:{meta['rest_port']}"
            found.append(
                Endpoint(
                    engine=engine_name,
                    runtime=self.name,
                    host="127.0.0.1",
                    port=meta.get("port"),
                    database=meta.get("database", ""),
                    user=meta.get("user", ""),
                    password=password,
                    container_id=container.id,
                    limits=meta.get("limits") or {},
                    extra=extra,
                )
            )
        return found

    def stop(self, endpoint: Endpoint, purge: bool = False) -> None:
        self._remove_containers(endpoint.engine)
        if purge:
            self._remove_volumes(endpoint.engine, endpoint.extra.get("volume"))

    def remove_volumes(self, engine_name: str) -> bool:
        """Delete an engine's data volumes (for `down --purge` of an engine already stopped)."""
        return self._remove_volumes(engine_name)

    def _remove_containers(self, engine_name: str) -> None:
        from docker.errors import NotFound

        # The REST container first: it holds connections to the database.
        containers = sorted(
            self._containers(engine_name), key=lambda c: c.labels.get(LABEL_ROLE) == "main"
        )
        for container in containers:
            meta = json.loads(container.labels.get(LABEL_ENDPOINT, "{}"))
            try:
                if container.status == "running":
                    container.stop(timeout=meta.get("stop_timeout") or 30)
                container.remove(v=True, force=True)  # v: anonymous volumes only
            except NotFound:
                pass

    def _remove_volumes(self, engine_name: str, name: str | None = None) -> bool:
        from docker.errors import NotFound

        volumes = self.client.volumes.list(
            filters={"label": [f"{LABEL_PROJECT}={self.state.id}", f"{LABEL_ENGINE}={engine_name}"]}
        )
        names = {v.name for v in volumes} | ({name} if name else set())
        removed = False
        for vol in names:
            try:
                self.client.volumes.get(vol).remove(force=True)
                removed = True
            except NotFound:
                pass
        return removed

    def status(self, engine: Engine, endpoint: Endpoint) -> Health:
        from docker.errors import NotFound

        try:
            client = self.client
        except ArenaError as exc:
            return Health(endpoint, "unhealthy", exc.message)
        try:
            container = client.containers.get(endpoint.container_id or endpoint.extra["container"])
        except (NotFound, KeyError):
            return Health(endpoint, "down", "container is gone")
        if container.status != "running":
            code = container.attrs.get("State", {}).get("ExitCode")
            last = container_log_tail(container, 1)
            return Health(endpoint, "crashed", f"container {container.status} ({code}); {last}")
        try:
            version = engine.probe(endpoint)
        except Exception as exc:
            return Health(endpoint, "unhealthy", " ".join(str(exc).split())[:200])
        rest_url = endpoint.extra.get("rest_url")
        if rest_url:
            try:
                http_get(rest_url + "/")
            except Exception as exc:
                return Health(endpoint, "unhealthy", f"REST endpoint {rest_url}: {exc}"[:200])
        return Health(endpoint.replace(version=version), "up")

    def logs(self, endpoint: Endpoint, tail: int = 50) -> str:
        parts = []
        containers = sorted(
            self._containers(endpoint.engine), key=lambda c: c.labels.get(LABEL_ROLE) != "main"
        )
        for container in containers:
            text = container_log_tail(container, tail)
            if len(containers) > 1:
                text = f"--- {container.name} ---\n{text}"
            parts.append(text)
        return "\n".join(parts)


def compose_has_rest(engine_name: str) -> bool:
    return REST_SERVICE in compose.load_compose(engine_name)["services"]


def container_running(container: Any) -> bool:
    from docker.errors import NotFound

    try:
        container.reload()
    except NotFound:
        return False
    return container.status in ("created", "running")


def container_log_tail(container: Any, lines: int) -> str:
    try:
        return container.logs(tail=lines).decode("utf-8", "replace").rstrip()
    except Exception:
        return ""


def http_get(url: str, timeout: float = 3.0) -> int:
    """A real HTTP request; raises until the server answers with a non-5xx status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise
        return exc.code


__all__ = ["DockerRuntime", "connect_client", "daemon_answers", "render_plan"]
