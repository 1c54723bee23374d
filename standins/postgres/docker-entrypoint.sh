#!/usr/bin/env bash
# TEST STAND-IN entrypoint with the official postgres image's contract:
# https://github.com/docker-library/docs/blob/master/postgres/README.md#environment-variables
# First start with an empty PGDATA: initdb from POSTGRES_*, run /docker-entrypoint-initdb.d/*
# against a temporary server that listens on the Unix socket only, stop it, then exec the
# real server with the command line given (`postgres -p 5433 -c listen_addresses=...`).
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

log() { echo "standin-entrypoint: $*" >&2; }

init_database() {
    local user="${POSTGRES_USER:-postgres}"
    local db="${POSTGRES_DB:-$user}"
    local auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        log "Database is uninitialized and superuser password is not specified."
        log "You must specify POSTGRES_PASSWORD to a non-empty value for the superuser."
        exit 1
    fi
    log "initialising $PGDATA for user '$user', database '$db'"
    eval 'initdb --username="$user" --pwfile=<(printf "%s\n" "${POSTGRES_PASSWORD:-}") \
        --encoding=UTF8 --locale=C.UTF-8 '"${POSTGRES_INITDB_ARGS:-}"' -D "$PGDATA"'
    printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"

    # Temporary server: Unix socket only, so nothing reaches it over TCP before init is done.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >/dev/null
    export PGPASSWORD="${POSTGRES_PASSWORD:-}" PGUSER="$user"
    local psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user" --dbname postgres)
    if [ "$db" != postgres ]; then
        "${psql[@]}" --set db="$db" <<<'CREATE DATABASE :"db";' >/dev/null
    fi
    local f
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) log "running $f"; . "$f" ;;
            *.sql) log "running $f"; "${psql[@]}" --dbname "$db" -f "$f" ;;
            *) ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    unset PGPASSWORD PGUSER
    log "PostgreSQL init process complete; ready for start up."
}

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    shopt -s nullglob
    init_database
fi

exec "$@"
