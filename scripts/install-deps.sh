#!/usr/bin/env bash
# Install the system packages and Python packages arena's tests need, on a fresh Debian
# bookworm machine, then get Docker ready for the docker tests (scripts/docker-ci.sh: docker.io,
# debootstrap, a loopback-only dockerd, the stand-in images). Idempotent: skips what is already
# there. `make install` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || packages+=(postgresql)
ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || packages+=(postgresql-contrib)
command -v mariadbd >/dev/null 2>&1 || packages+=(mariadb-server)
command -v sysbench >/dev/null 2>&1 || packages+=(sysbench)
# MariaDB Connector/Python (`arena load`'s MySQL-family driver) builds from source against
# Connector/C: its headers and mariadb_config, a C compiler, Python's headers.
dpkg -s libmariadb-dev >/dev/null 2>&1 || packages+=(libmariadb-dev)
command -v gcc >/dev/null 2>&1 || packages+=(gcc)
python3 -c 'import os, sysconfig; assert os.path.exists(sysconfig.get_paths()["include"] + "/Python.h")' \
    >/dev/null 2>&1 || packages+=(python3-dev)
dpkg -s unixodbc >/dev/null 2>&1 || packages+=(unixodbc)
dpkg -s tdsodbc >/dev/null 2>&1 || packages+=(tdsodbc)
command -v make >/dev/null 2>&1 || packages+=(make)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)  # tests/integration/test_html_report.py

if [ ${#packages[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "arena: need root to apt-get install ${packages[*]}" >&2
        exit 1
    fi
    # Keep the packages' post-install scripts from starting system-wide servers:
    # arena starts its own, on free loopback ports.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod +x "$policy"
        created_policy=1
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}"
    if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,mariadb]'
# pyproject's dependencies bring pgserver (PostgreSQL 16 + pgvector binaries) for
# `arena up postgres@16`; say so now rather than at the first start.
python3 -c "import pgserver" || { echo "pgserver did not install (PostgreSQL 16 for postgres@16)" >&2; exit 1; }

# The docker tests need a daemon and the stand-in images: a few minutes on a new machine.
bash scripts/docker-ci.sh
