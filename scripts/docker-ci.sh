#!/usr/bin/env bash
# Get Docker ready for arena's docker tests on a machine with no registry:
#   1. install docker.io + debootstrap when missing (apt-get),
#   2. start dockerd when no daemon answers, loopback only: no bridge, no iptables, no
#      masquerading, so no container ever gets a private-range address (host networking only),
#   3. build the TEST STAND-IN images (standins/): a debootstrap base, then postgres and
#      mariadb images tagged with the official names arena uses (postgres:16, mariadb:11,
#      mysql:8.4) unless real images with those names are already present.
# Idempotent: every step is skipped when already done. `make install` runs it, and so does the
# test session when no daemon answers or an image is missing (tests/conftest.py).
#
# DOCKER_HOST=unix:///some/other.sock with ARENA_DOCKERD_ROOT=DIR starts a private dockerd on that
# socket with its own data and exec roots under DIR (a new machine's path, tried without
# touching the machine's daemon).
#
# Usage: scripts/docker-ci.sh [all|install|daemon|images]   (default: all; `make images` runs
#        the images step as --images-only)
set -euo pipefail

cd "$(dirname "$0")/.."
STEP="${1:-all}"
DOCKERD_LOG="${ARENA_DOCKERD_LOG:-/var/log/arena-dockerd.log}"
BASE_TAG=arena-standin/base:bookworm
DEFAULT_HOST=unix:///var/run/docker.sock

say() { echo "docker-ci: $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    if [ ${#missing[@]} -eq 0 ]; then
        say "docker.io and debootstrap are installed"
        return
    fi
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

daemon_answers() { docker info >/dev/null 2>&1; }

start_daemon() {
    if daemon_answers; then
        say "a Docker daemon answers"
        return
    fi
    local args=(--bridge=none --iptables=false --ip-masq=false)
    local host="${DOCKER_HOST:-$DEFAULT_HOST}"
    if [ "$host" != "$DEFAULT_HOST" ]; then
        if [[ "$host" != unix://* || -z "${ARENA_DOCKERD_ROOT:-}" ]]; then
            echo "docker-ci: DOCKER_HOST=$host does not answer. Start that daemon, unset" \
                "DOCKER_HOST, or give a unix:// socket and ARENA_DOCKERD_ROOT=DIR for a" \
                "private dockerd." >&2
            exit 1
        fi
        args+=(-H "$host" --data-root "$ARENA_DOCKERD_ROOT/data"
            --exec-root "$ARENA_DOCKERD_ROOT/exec" --pidfile "$ARENA_DOCKERD_ROOT/dockerd.pid")
        DOCKERD_LOG="$ARENA_DOCKERD_ROOT/dockerd.log"
    fi
    say "starting dockerd at $host (loopback only; log: $DOCKERD_LOG)"
    as_root mkdir -p "$(dirname "$DOCKERD_LOG")"
    # setsid + nohup: the daemon outlives this script and the CI step that ran it.
    as_root setsid nohup dockerd "${args[@]}" >>"$DOCKERD_LOG" 2>&1 </dev/null &
    local i
    for i in $(seq 1 120); do
        if daemon_answers; then
            say "dockerd is up"
            return
        fi
        sleep 0.5
    done
    echo "docker-ci: dockerd did not answer within 60s; last log lines:" >&2
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    exit 1
}

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

# build_standin DIR STANDIN_TAG OFFICIAL_TAG...
build_standin() {
    local dir="$1" tag="$2"
    shift 2
    if image_present "$tag"; then
        say "$tag already present"
    else
        say "building $tag from standins/$dir"
        docker build --network host -q -t "$tag" "standins/$dir" >/dev/null
    fi
    local official
    for official in "$@"; do
        if image_present "$official" &&
            [ -z "$(docker image inspect -f '{{index .Config.Labels "arena.standin"}}' "$official")" ]; then
            say "$official is a real image here; not shadowing it with the stand-in"
        else
            docker tag "$tag" "$official"
            say "$official -> $tag (TEST STAND-IN)"
        fi
    done
}

build_images() {
    daemon_answers || { echo "docker-ci: no Docker daemon answers; run: $0 daemon" >&2; exit 1; }
    standins/base/build.sh "$BASE_TAG"
    build_standin postgres arena-standin/postgres:15 postgres:16
    build_standin mariadb arena-standin/mariadb:10.11 mariadb:11 mysql:8.4
}

case "$STEP" in
    all) install_packages; start_daemon; build_images ;;
    install) install_packages ;;
    daemon | --daemon-only) install_packages; start_daemon ;;
    images | --images-only) build_images ;;
    *) echo "usage: $0 [all|install|daemon|images]" >&2; exit 2 ;;
esac
