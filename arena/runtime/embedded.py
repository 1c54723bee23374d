"""Embedded runtime: SQLite in-process, one database file in .arena/sqlite/."""

from __future__ import annotations

import contextlib
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
        """An instance is its own file, .arena/<instance>/arena.db; its settings are PRAGMAs
        every connection applies, checked here: a PRAGMA SQLite does not know, or a value it
        refuses, starts nothing (a file made by this start is removed again)."""
        self.check_available(engine)
        instance = options.name or engine.name
        if options.cpus is not None or options.memory:
            raise ArenaError(
                f"{instance} runs in arena's own process: --cpus/--memory cannot apply to it.",
                "Leave SQLite out of a limited `arena up`, or start it separately.",
            )
        folder = self.state.ensure_dir(instance, mode=0o700)
        path = folder / "arena.db"
        fresh = not path.exists()
        if fresh:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        endpoint = Endpoint(
            engine=engine.name, runtime=self.name, host="", port=None,
            database=engine.default_database, user="", password="", path=str(path),
            started_at=time.time(), name=instance, requested_settings=dict(options.settings),
        )  # fmt: skip
        try:
            conn = engine.connect(endpoint.replace(requested_settings={}))
            try:
                # WAL lets readers run beside the single writer, as a real app would.
                conn.execute("PRAGMA journal_mode = WAL")
                version = engine.server_version(conn)
            finally:
                conn.close()
            self._check_settings(engine, endpoint)
        except BaseException:
            if fresh:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        return endpoint.replace(version=version)

    def _check_settings(self, engine: Engine, endpoint: Endpoint) -> None:
        from arena.instances import VariantError

        if not endpoint.requested_settings:
            return
        try:
            known = engine.read_settings(endpoint, list(endpoint.requested_settings))
        except ArenaError:
            raise
        except Exception as exc:
            from arena.engines.base import error_text

            raise VariantError(
                f"{endpoint.instance}: SQLite refused its PRAGMAs: {error_text(exc)}",
                "Fix or drop that --set; nothing was started.",
            ) from exc
        unknown = sorted(k for k in endpoint.requested_settings if k.lower() not in known)
        if unknown:
            raise VariantError(
                f"{endpoint.instance}: SQLite has no PRAGMA {', '.join(unknown)} that reads back.",
                "See https://www.sqlite.org/pragma.html; nothing was started.",
            )

    def leftover_instances(self) -> list[str]:
        from arena.engines import ENGINES

        names = []
        for cls in ENGINES.values():
            if "embedded" in cls.runtimes and self.state.dir.is_dir():
                names += [
                    p.name
                    for p in self.state.dir.iterdir()
                    if p.is_dir() and (p.name == cls.name or p.name.startswith(cls.name + "@"))
                ]
        return names

    def stop(self, endpoint: Endpoint, purge: bool = False) -> None:
        if purge and endpoint.path:
            path = check_purge_path(endpoint.path, [self.state.dir])
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # the instance's folder, once empty
                path.parent.rmdir()

    def purge_leftovers(self, instance: str) -> bool:
        from arena.engines import ENGINES

        if not any(
            instance.split("@")[0] == n for n, c in ENGINES.items() if "embedded" in c.runtimes
        ):
            return False  # .arena/<name>/ of other engines are not SQLite files
        folder = self.state.dir / instance
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
