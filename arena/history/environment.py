"""What a recorded run ran on, per instance: engine version, runtime, image or binary, limits,
the server settings that shape the numbers (Engine.read_settings), the driver and its version.
Read once when a run starts; a server that does not answer leaves its settings out, never
the run."""

from __future__ import annotations

import contextlib
import hashlib
from importlib import metadata
from typing import TYPE_CHECKING, Any

from arena import __version__

if TYPE_CHECKING:
    from arena.targets import Target


def driver_version(module: str) -> str:
    """The installed distribution's version of a DB-API module (psycopg, pymysql...)."""
    if not module:
        return ""
    with contextlib.suppress(Exception):
        dists = metadata.packages_distributions().get(module.split(".")[0]) or [module]
        return metadata.version(dists[0])
    with contextlib.suppress(Exception):
        import importlib

        return str(getattr(importlib.import_module(module), "__version__", ""))
    return ""


def server_settings(target: Target) -> dict[str, str]:
    """The engine's reported settings, the instance's --set ones, and its default isolation
    level as "isolation", read from the server now (a setting may have changed since `up`)."""
    engine, endpoint = target.engine, target.endpoint
    names = [*engine.reported_settings, *endpoint.requested_settings, *engine.isolation_settings]
    try:
        found = engine.read_settings(endpoint, list(dict.fromkeys(names)))
    except Exception:  # every driver has its own errors; the run goes on without settings
        return {}
    isolation = [found.pop(n) for n in engine.isolation_settings if n in found]
    if isolation:
        found["isolation"] = isolation[0]
    return found


def schema_fingerprint(target: Target) -> str:
    """ "<n> tables <hash of their names>": two runs on different schemas must not be compared."""
    try:
        names = sorted(target.schema().table_names)
    except Exception:  # introspection failing here must not stop the run; it will say why
        return ""
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:8]
    return f"{len(names)} tables {digest}"


def describe(target: Target) -> dict[str, Any]:
    endpoint = target.endpoint
    extra = endpoint.extra or {}
    return {
        "engine": target.engine.name,
        "version": target.version or endpoint.version,
        "runtime": endpoint.runtime,
        "image": extra.get("image") or "",
        "binary": extra.get("exe") or "",
        "limits": dict(endpoint.limits or {}),
        "settings": server_settings(target),
        "driver": target.engine.driver,
        "driver_version": driver_version(target.engine.driver),
        "arena_version": __version__,
        "schema": schema_fingerprint(target),
    }
