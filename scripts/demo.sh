#!/usr/bin/env bash
# arena's main job on the embedded default: SQLite, plus PostgreSQL and MariaDB as native
# servers when their binaries are present. Runs in a scratch project (ARENA_DEMO_DIR) so it
# never touches your own .arena/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
demo_dir="${ARENA_DEMO_DIR:-$(mktemp -d /tmp/arena-demo-XXXXXX)}"
chmod 755 "$demo_dir"
cd "$demo_dir"
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
arena ps
for engine in "${engines[@]}"; do
    arena sql "$engine" "SELECT 1 AS answer"
done
arena down --purge
trap - EXIT
