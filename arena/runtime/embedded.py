"""Embedded runtime: SQLite in-process, one database file in .arena/sqlite/."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from arena.engines.base import Engine
from arena.errors import ArenaError
from arena.models import Endpoint, Health, StartOptions
from arena.runtime.base import Runtime, check_purge_path


class EmbeddedRuntime(Runtime):
    name = "embedded"

    def check_available(self, engine: Engine) -> None:
        if "embedded" not in engine.runtimes:
            raise ArenaError(
                f"{engine.display_name} cannot run embedded; only SQLite does.",
                "Use --runtime native or --runtime docker.",
            )

    def start(self, engine: Engine, options: StartOptions) -> Endpoint:
        self.check_available(engine)
        folder = self.state.ensure_dir(engine.name, mode=0o700)
        path = folder / "arena.db"
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        endpoint = Endpoint(
            engine=engine.name, runtime=self.name, host="", port=None,
            database=engine.default_database, user="", password="", path=str(path),
            started_at=time.time(),
        )  # fmt: skip
        conn = engine.connect(endpoint)
        try:
            # WAL lets readers run beside the single writer, as a real app would configure it.
            conn.execute("PRAGMA journal_mode = WAL")
            version = engine.server_version(conn)
        finally:
            conn.close()
        return endpoint.replace(version=version)

    def stop(self, endpoint: Endpoint, purge: bool = False) -> None:
        if purge and endpoint.path:
            path = check_purge_path(endpoint.path, [self.state.dir])
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)

    def purge_leftovers(self, engine_name: str) -> bool:
        folder = self.state.dir / engine_name
        if not folder.is_dir():
            return False
        shutil.rmtree(folder, ignore_errors=True)
        return True

    def status(self, engine: Engine, endpoint: Endpoint) -> Health:
        if not endpoint.path or not os.path.exists(endpoint.path):
            return Health(endpoint, "crashed", f"database file {endpoint.path} is gone")
        try:
            return Health(endpoint.replace(version=engine.probe(endpoint)), "up")
        except Exception as exc:
            return Health(endpoint, "unhealthy", str(exc))

    def logs(self, endpoint: Endpoint, tail: int = 50) -> str:
        return "SQLite runs in-process and keeps no server log."
