"""Supabase: PostgreSQL plus the roles PostgREST switches between, and a REST endpoint.

Natively arena runs PostgreSQL with Supabase's roles; the REST side needs PostgREST, which
only the docker runtime provides (supabase-rest endpoint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arena.engines.base import Capabilities
from arena.engines.postgres import Postgres

if TYPE_CHECKING:
    from arena.engines.native_context import NativeContext
    from arena.models import Endpoint

# The roles of https://supabase.com/docs/guides/database/postgres/roles : PostgREST logs in
# as `authenticator` and switches to anon/authenticated/service_role per request.
SUPABASE_ROLES_SQL = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT;
  END IF;
END
$$;
GRANT anon, authenticated, service_role TO authenticator;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
"""


class Supabase(Postgres):
    name = "supabase"
    display_name = "Supabase"
    default_image = "supabase/postgres:15.8.1.060"
    default_user = "postgres"
    default_database = "postgres"
    capabilities = Capabilities(
        returning=True,
        skip_locked=True,
        isolation_levels=("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"),
        json=True,
        vector=True,
        deferrable_fks=True,
    )
    rest_image = "postgrest/postgrest:v12.2.3"
    rest_port = 3000

    def native_bootstrap(self, ctx: NativeContext) -> None:
        super().native_bootstrap(ctx)
        self.container_bootstrap(ctx.endpoint)

    def container_bootstrap(self, endpoint: Endpoint) -> None:
        """Supabase's roles, and the password PostgREST's `authenticator` logs in with."""
        conn = self.connect(endpoint)
        try:
            for statement in supabase_roles_sql(endpoint.password):
                conn.cursor().execute(statement)
        finally:
            conn.close()

    def rest_env(self, db_uri: str, jwt_secret: str) -> dict[str, str]:
        """PostgREST's configuration, https://postgrest.org/en/stable/references/configuration.html"""
        return {
            "PGRST_DB_URI": db_uri,
            "PGRST_DB_SCHEMAS": "public",
            "PGRST_DB_ANON_ROLE": "anon",
            "PGRST_JWT_SECRET": jwt_secret,
            "PGRST_SERVER_HOST": "127.0.0.1",
            "PGRST_SERVER_PORT": str(self.rest_port),
        }


def supabase_roles_sql(password: str) -> list[str]:
    """Supabase's roles, and the password PostgREST's `authenticator` logs in with."""
    return [SUPABASE_ROLES_SQL, f"ALTER ROLE authenticator PASSWORD {quote_literal(password)}"]


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
