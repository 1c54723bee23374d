"""Supabase: PostgreSQL plus the roles PostgREST switches between, and a REST endpoint.

Natively arena runs PostgreSQL with Supabase's roles and `auth.uid()`; PostgreSQL 16 with
pgvector (the `pgserver` wheel) when it is installed, as Supabase's images ship pgvector, else
the machine's PostgreSQL. The REST side needs PostgREST, which only the docker runtime provides
(supabase-rest endpoint); it was not run on the machines arena is developed on.
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

# Supabase's auth helpers read the JWT's claims from the session setting PostgREST sets per
# request (`request.jwt.claims`, a JSON text; `request.jwt.claim.sub` in older PostgREST).
# Supabase's images have them already (owned by supabase_auth_admin): made only when missing.
# https://github.com/supabase/auth/blob/master/migrations/20221208132122_backfill_email_last_sign_in_at.up.sql
AUTH_SQL = """
DO $$
BEGIN
  IF to_regnamespace('auth') IS NULL THEN
    CREATE SCHEMA auth;
    GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
  END IF;
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $body$
      SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                      nullif(current_setting('request.jwt.claims', true), ''))::jsonb
    $body$;
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $body$
      SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
    $body$;
  END IF;
  IF to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $body$
      SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
    $body$;
  END IF;
END
$$;
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
    # -- vector hooks: pgvector comes from Postgres; the roles and auth.uid() from here ------
    supabase_roles = True

    rest_image = "postgrest/postgrest:v12.2.3"
    rest_port = 3000

    # -- native: PostgreSQL 16 with pgvector when the pgserver wheel is installed -----------
    def native_initialize(self, ctx: NativeContext) -> None:
        self._prefer_pgserver(ctx)
        super().native_initialize(ctx)

    def native_command(self, ctx: NativeContext) -> list[str]:
        self._prefer_pgserver(ctx)
        return super().native_command(ctx)

    def _prefer_pgserver(self, ctx: NativeContext) -> None:
        """Swap in pgserver's binaries (PostgreSQL 16 with pgvector, found by Postgres's
        native_extra_dirs), unless the instance names a version (supabase@15) or its data
        directory was made by another major version (a server refuses it)."""
        from arena.instances import version_of
        from arena.runtime import binaries

        if version_of(ctx.instance) is not None:
            return
        found = next(
            filter(None, (binaries.bins_in(self, d) for d in self.native_extra_dirs())), None
        )
        if found is None:
            return
        made_by = ctx.home / "data" / "PG_VERSION"
        major = binaries.server_version(found["server"], self.version_parts)
        if made_by.is_file() and made_by.read_text().strip() != major:
            return
        if ctx.account is not None:  # <root>/<project>/<instance>: copies go in <root>/installs
            found = binaries.reachable_binaries(
                found, ctx.account, ctx.home.parent.parent / "installs"
            )
        ctx.bins = {**ctx.bins, **found}

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
    return [
        SUPABASE_ROLES_SQL,
        AUTH_SQL,
        f"ALTER ROLE authenticator PASSWORD {quote_literal(password)}",
    ]


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
