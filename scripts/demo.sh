#!/usr/bin/env bash
# arena's main job on the embedded default: SQLite, plus PostgreSQL and MariaDB as native
# servers when their binaries are present. up -> schema -> seed -> load -> report -> down, in a
# scratch project (ARENA_DEMO_DIR) so it never touches your own .arena/.
#   ARENA_DEMO_ROWS (default 100k), ARENA_DEMO_DURATION (default 10s per engine)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
demo_dir="${ARENA_DEMO_DIR:-$(mktemp -d /tmp/arena-demo-XXXXXX)}"
cd "$demo_dir"
export ARENA_PROJECT_DIR="$demo_dir"
echo "arena demo project: $demo_dir"

engines=(sqlite)
if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1; then
    engines+=(postgres)
fi
if command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1; then
    engines+=(mariadb)
fi

cleanup() { arena down --purge >/dev/null 2>&1 || true; }
trap cleanup EXIT

arena up "${engines[@]}" --runtime native
arena schema apply ecommerce
arena seed --rows "${ARENA_DEMO_ROWS:-100k}" --seed 42 --config "$repo/seeds/ecommerce.yaml"
arena load --pattern ecommerce --users 4 --duration "${ARENA_DEMO_DURATION:-10s}"
arena report
arena down --purge
trap - EXIT
echo "results kept in $demo_dir/.arena/results/"
