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
    LABEL_INSTANCE,
    LABEL_PROJECT,
    LABEL_ROLE,
    LABEL_SECRET,
    REST_SERVICE,
    StartPlan,
    compose_has_rest,
    container_kwargs,
    image_for_version,
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
    def versions(self, engine: Engine) -> dict[str, str]:
        """Tags of the engine's image present here (no pull): version -> image."""
        if "docker" not in engine.runtimes or not engine.default_image or not daemon_answers():
            return {}
        repo = engine.default_image.rsplit(":", 1)[0]
        found = {}
        for image in self.client.images.list(name=repo):
            for tag in image.tags:
                if tag.startswith(repo + ":"):
                    found[tag.rsplit(":", 1)[1]] = tag
        return found

    def check_version(self, engine: Engine, version: str | None) -> None:
        if version is None or self.image_present(image_for_version(engine, version)):
            return
        have = ", ".join(sorted(self.versions(engine))) or "none"
        raise RuntimeUnavailableError(
            f"Docker image {image_for_version(engine, version)} is not present here; "
            f"{engine.display_name} versions present: {have}.",
            f"docker pull {image_for_version(engine, version)} first, or start a version "
            "listed (`arena engines` shows each runtime's).",
        )

    def start(self, engine: Engine, options: StartOptions) -> Endpoint:
        self.check_available(engine)
        instance = options.name or engine.name
        password = self._password(instance)
        self._remove_containers(instance)  # leftovers of a lost state file
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
        except BaseException as exc:
            reason = self._settings_reason(plan, exc)
            self._remove_containers(instance)
            if created_volume:
                self._remove_volumes(instance)
            if reason is not None:
                raise reason from exc
            raise

    def _settings_reason(self, plan: StartPlan, exc: BaseException) -> ArenaError | None:
        """A container that exited at start with settings asked: the server's own reason."""
        if not plan.settings or not isinstance(exc, ArenaError):
            return None
        from arena.instances import refused_settings_error

        containers = self._containers(plan.instance, role="main")
        log = "\n".join(container_log_tail(c, 200) for c in containers)
        return refused_settings_error(
            plan.instance, plan.settings, log, "its container and new volume were removed"
        )

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
            name=plan.instance,
            requested_settings=dict(plan.settings),
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
        self._wait(plan, container, f"127.0.0.1:{plan.port}", lambda: engine.probe(ready))
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
            self._wait(plan, rest_container, url, lambda: http_get(url + "/"))
            endpoint = endpoint.replace(
                extra={
                    **endpoint.extra,
                    "rest_url": url,
                    "rest_container_id": rest_container.id,
                    "endpoints": {
                        f"{plan.instance}-db": f"127.0.0.1:{plan.port}",
                        f"{plan.instance}-rest": url,
                    },
                }
            )
        return endpoint.replace(version=engine.probe(endpoint))

    def _wait(self, plan: StartPlan, container: Any, address: str, probe: Any) -> None:
        engine, instance = plan.engine, plan.instance
        WaitForReady(
            what=f"{engine.display_name} (container {container.name}, {address})",
            probe=probe,
            timeout=engine.start_timeout,
            hint=(
                f"Full log: docker logs {container.name}. If volume "
                f"{volume_name(self.state, instance)} holds data initialised with another "
                "password (volumes made by arena 0.1.0 carry no arena.password label), put "
                f"that password under passwords.{instance} in .arena/state.json; "
                f"`arena down {instance} --purge` deletes the data and starts afresh."
            ),
            still_running=lambda: container_running(container),
            log_tail=lambda: container_log_tail(container, 12),
            max_interval=0.5,
        ).wait()

    def _password(self, instance: str) -> str:
        """The password the engine's data volume was initialised with (its label), else a
        leftover container's, else the project's: an `up` after the state file was lost
        still reaches the existing data."""
        recovered = self._volume_password(instance) or next(
            (f.password for f in self.discover() if f.instance == instance and f.password), ""
        )
        if recovered:
            with self.state.locked() as data:
                data.setdefault("passwords", {})[instance] = recovered
            return recovered
        return self.state.password(instance)

    def _volume_password(self, instance: str) -> str:
        from docker.errors import NotFound

        try:
            volume = self.client.volumes.get(volume_name(self.state, instance))
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
                    LABEL_INSTANCE: plan.instance,
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
    def _containers(self, instance: str | None = None, role: str | None = None) -> list[Any]:
        labels = [f"{LABEL_PROJECT}={self.state.id}"]
        if instance:
            labels.append(f"{LABEL_ENGINE}={instance.split('@')[0]}")
        if role:
            labels.append(f"{LABEL_ROLE}={role}")
        found = self.client.containers.list(all=True, filters={"label": labels})
        if instance is None:
            return found
        return [c for c in found if _instance_of(c.labels) == instance]

    def discover(self) -> list[Endpoint]:
        """This project's engines, rebuilt from container labels (no state file needed)."""
        passwords = self.state.snapshot().get("passwords", {})
        found = []
        for container in self._containers(role="main"):
            labels = container.labels
            meta = json.loads(labels.get(LABEL_ENDPOINT, "{}"))
            engine_name = labels[LABEL_ENGINE]
            instance = _instance_of(labels)
            env = dict(item.split("=", 1) for item in container.attrs["Config"].get("Env") or [])
            password = passwords.get(instance) or env.get(meta.get("password_env") or "", "")
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
                    name=instance,
                    requested_settings=meta.get("requested_settings") or {},
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
        self._remove_containers(endpoint.instance)
        if purge:
            self._remove_volumes(endpoint.instance, endpoint.extra.get("volume"))

    def remove_volumes(self, instance: str) -> bool:
        """Delete an instance's data volumes (`down --purge` of one already stopped)."""
        return self._remove_volumes(instance)

    def leftover_instances(self) -> list[str]:
        volumes = self.client.volumes.list(filters={"label": [f"{LABEL_PROJECT}={self.state.id}"]})
        return sorted({_instance_of(v.attrs.get("Labels") or {}) for v in volumes} - {""})

    def purge_leftovers(self, instance: str) -> bool:
        if any(c.status == "running" for c in self._containers(instance)):
            raise ArenaError(
                f"A container of {instance} still runs; its volume is not deleted.",
                f"Stop it first: `arena down {instance}`.",
            )
        return self._remove_volumes(instance)

    def _remove_containers(self, instance: str) -> None:
        from docker.errors import NotFound

        # The REST container first: it holds connections to the database.
        containers = sorted(
            self._containers(instance), key=lambda c: c.labels.get(LABEL_ROLE) == "main"
        )
        for container in containers:
            meta = json.loads(container.labels.get(LABEL_ENDPOINT, "{}"))
            try:
                if container.status == "running":
                    container.stop(timeout=meta.get("stop_timeout") or 30)
                container.remove(v=True, force=True)  # v: anonymous volumes only
            except NotFound:
                pass

    def _remove_volumes(self, instance: str, name: str | None = None) -> bool:
        from docker.errors import NotFound

        volumes = self.client.volumes.list(
            filters={
                "label": [
                    f"{LABEL_PROJECT}={self.state.id}",
                    f"{LABEL_ENGINE}={instance.split('@')[0]}",
                ]
            }
        )
        names = {v.name for v in volumes if _instance_of(v.attrs.get("Labels") or {}) == instance}
        names |= {name} if name else set()
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
            self._containers(endpoint.instance), key=lambda c: c.labels.get(LABEL_ROLE) != "main"
        )
        for container in containers:
            text = container_log_tail(container, tail)
            if len(containers) > 1:
                text = f"--- {container.name} ---\n{text}"
            parts.append(text)
        return "\n".join(parts)


def _instance_of(labels: dict[str, str]) -> str:
    """The instance a container or volume belongs to; earlier arenas labelled the engine only."""
    return labels.get(LABEL_INSTANCE) or labels.get(LABEL_ENGINE, "")


__all__ = [
    "LABEL_ENGINE", "LABEL_PROJECT", "DockerRuntime", "connect_client", "container_kwargs",
    "daemon_answers", "daemon_error", "jwt_secret", "password_env", "render_plan",
]  # fmt: skip
