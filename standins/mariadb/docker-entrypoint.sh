#!/usr/bin/env bash
# TEST STAND-IN entrypoint with the official mariadb / mysql images' contract:
# https://mariadb.com/kb/en/mariadb-server-docker-official-image-environment-variables/
# https://hub.docker.com/_/mysql (MYSQL_ROOT_PASSWORD, MYSQL_DATABASE, MYSQL_USER, ...)
# First start with an empty datadir: install the system tables, create root/user/database
# from the environment through a temporary socket-only server, stop it, then exec the real
# server with the command line given (`mysqld --port=3307 --bind-address=127.0.0.1`).
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
    set -- mariadbd "$@"
fi
case "$1" in mysqld | mariadbd) SERVER=1 ;; *) SERVER=0 ;; esac

if [ "$SERVER" = 1 ] && [ "$(id -u)" = 0 ]; then
    mkdir -p /var/lib/mysql /run/mysqld
    chown -R mysql:mysql /var/lib/mysql /run/mysqld
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$BASH_SOURCE" "$@"
fi

log() { echo "standin-entrypoint: $*" >&2; }

# MARIADB_* wins over MYSQL_*, as in the official mariadb image.
env_of() {
    local name="MARIADB_$1" legacy="MYSQL_$1"
    printf '%s' "${!name:-${!legacy:-}}"
}

sql_string() { # a SQL string literal
    local value="${1//\\/\\\\}"
    printf "'%s'" "${value//\'/\'\'}"
}

sql_ident() {
    printf '`%s`' "${1//\`/\`\`}"
}

init_database() {
    local root_password database user password root_host
    root_password="$(env_of ROOT_PASSWORD)"
    database="$(env_of DATABASE)"
    user="$(env_of USER)"
    password="$(env_of PASSWORD)"
    root_host="$(env_of ROOT_HOST)"
    root_host="${root_host:-%}"
    if [ -z "$root_password" ] && [ -z "$(env_of ALLOW_EMPTY_ROOT_PASSWORD)" ]; then
        log "Database is uninitialized and password option is not specified."
        log "You need to specify one of MARIADB_ROOT_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD."
        exit 1
    fi
    if [ "$user" = root ]; then
        log "MYSQL_USER=root: use MYSQL_ROOT_PASSWORD for root instead."
        exit 1
    fi
    log "initialising /var/lib/mysql"
    mariadb-install-db --no-defaults --datadir=/var/lib/mysql --skip-test-db \
        --auth-root-authentication-method=normal --skip-name-resolve >/dev/null

    local socket=/run/mysqld/init.sock
    mariadbd --no-defaults --datadir=/var/lib/mysql --skip-networking --socket="$socket" \
        --skip-log-bin --pid-file=/run/mysqld/init.pid &
    local pid=$! i
    for i in $(seq 1 300); do
        mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { log "temporary server exited"; exit 1; }
        sleep 0.2
    done

    {
        echo "SET @@SESSION.SQL_LOG_BIN=0;"
        echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$root_password");"
        if [ "$root_host" != localhost ]; then
            echo "CREATE USER 'root'@$(sql_string "$root_host") IDENTIFIED BY $(sql_string "$root_password");"
            echo "GRANT ALL ON *.* TO 'root'@$(sql_string "$root_host") WITH GRANT OPTION;"
        fi
        if [ -n "$database" ]; then
            echo "CREATE DATABASE IF NOT EXISTS $(sql_ident "$database");"
        fi
        if [ -n "$user" ] && [ -n "$password" ]; then
            echo "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY $(sql_string "$password");"
            if [ -n "$database" ]; then
                echo "GRANT ALL ON $(sql_ident "${database//_/\\_}").* TO $(sql_string "$user")@'%';"
            fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | mariadb --no-defaults --socket="$socket" -uroot

    local f
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) log "running $f"; . "$f" ;;
            *.sql) log "running $f"; mariadb --no-defaults --socket="$socket" -uroot \
                --password="$root_password" ${database:+"$database"} <"$f" ;;
            *) ;;
        esac
    done

    mariadb-admin --no-defaults --socket="$socket" -uroot --password="$root_password" shutdown
    wait "$pid" || true
    log "MariaDB init process done. Ready for start up."
}

if [ "$SERVER" = 1 ] && [ ! -d /var/lib/mysql/mysql ]; then
    shopt -s nullglob
    init_database
fi

exec "$@"
