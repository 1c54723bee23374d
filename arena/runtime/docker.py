"""Docker runtime: one container per engine service, specs from compose/<engine>.yml
(rendered by docker_spec.py; the daemon connection and container helpers are in
docker_client.py).

Containers carry labels (arena.project=<state id>, arena.engine=<name>, ...) so `arena ps`
finds them even when .arena/state.json is lost, and data lives in named volumes
(arena-<project>-<engine>) that only `arena down --purge` deletes; the volume's label keeps
the password its data was initialised with.

On Linux the default is host networking: the server listens on a free loopback port given
on its own command line, so no docker-proxy sits in the measured path. Elsewhere, or with
--network bridge, the port is published on 127.0.0.1 only. Readiness is a real connection
over TCP (engine.probe): official images run a temporary socket-only server while they
initialise, so a Unix-socket probe would answer too early.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from arena.engines.base import Engine
from arena.errors import ArenaError, RuntimeUnavailableError
from arena.models import Endpoint, Health, StartOptions
from arena.runtime import compose
from arena.runtime.base import Runtime, free_port
from arena.runtime.docker_client import (
    connect_client,
    container_log_tail,
    container_running,
    daemon_answers,
    daemon_error,
    http_get,
)
from arena.runtime.docker_spec import (
    LABEL_ENDPOINT,
    LABEL_ENGINE,
    LABEL_PROJECT,
    LABEL_ROLE,
    LABEL_SECRET,
    REST_SERVICE,
    StartPlan,
    compose_has_rest,
    container_kwargs,
    jwt_secret,
    password_env,
    render_plan,
    volume_name,
)
from arena.runtime.wait import WaitForReady
from arena.state import ProjectState

# Images `make images` builds locally as test stand-ins (see standins/README.md).
STANDIN_TAGS = ("postgres:16", "mariadb:11", "mysql:8.4")


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
        ready = endpoint.replace(database=engine.ready_database or endpoint.database)
        self._wait(engine, container, f"127.0.0.1:{plan.port}", lambda: engine.probe(ready))
        engine.container_bootstrap(endpoint)
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
                f"{volume_name(self.state, engine.name)} holds data initialised with another "
                "password (volumes made by arena 0.1.0 carry no arena.password label), put "
                f"that password under passwords.{engine.name} in .arena/state.json; "
                f"`arena down {engine.name} --purge` deletes the data and starts afresh."
            ),
            still_running=lambda: container_running(container),
            log_tail=lambda: container_log_tail(container, 12),
            max_interval=0.5,
        ).wait()

    def _password(self, engine_name: str) -> str:
        """The password the engine's data volume was initialised with (its label), else a
        leftover container's, else the project's: an `up` after the state file was lost
        still reaches the existing data."""
        recovered = self._volume_password(engine_name) or next(
            (f.password for f in self.discover() if f.engine == engine_name and f.password), ""
        )
        if recovered:
            with self.state.locked() as data:
                data.setdefault("passwords", {})[engine_name] = recovered
            return recovered
        return self.state.password(engine_name)

    def _volume_password(self, engine_name: str) -> str:
        from docker.errors import NotFound

        try:
            volume = self.client.volumes.get(volume_name(self.state, engine_name))
        except NotFound:
            return ""
        return (volume.attrs.get("Labels") or {}).get(LABEL_SECRET, "")

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
                labels={
                    LABEL_PROJECT: self.state.id,
                    LABEL_ENGINE: plan.engine.name,
                    LABEL_SECRET: plan.password,
                },
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

    def purge_leftovers(self, engine_name: str) -> bool:
        if any(c.status == "running" for c in self._containers(engine_name)):
            raise ArenaError(
                f"A container of {engine_name} still runs; its volume is not deleted.",
                f"Stop it first: `arena down {engine_name}`.",
            )
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


__all__ = [
    "LABEL_ENGINE", "LABEL_PROJECT", "DockerRuntime", "connect_client", "container_kwargs",
    "daemon_answers", "daemon_error", "jwt_secret", "password_env", "render_plan",
]  # fmt: skip
