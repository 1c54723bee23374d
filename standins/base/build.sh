#!/usr/bin/env bash
# TEST STAND-IN base image: a minimal Debian bookworm root file system made with debootstrap
# and imported into Docker, so the stand-in server images build on machines with no registry.
# Usage: standins/base/build.sh [TAG]   (default arena-standin/base:bookworm; skips if present)
set -euo pipefail

TAG="${1:-arena-standin/base:bookworm}"
MIRROR="${ARENA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "base: $TAG already present"
    exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

ROOTFS="$(mktemp -d /tmp/arena-standin-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT

echo "base: debootstrap --variant=minbase bookworm ($MIRROR), a few minutes"
debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || {
    tail -n 30 "$ROOTFS.log" >&2
    exit 1
}
rm -f "$ROOTFS.log"

# The security suite gets the same point releases as the host; keep the image lean.
cat >"$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
cat >"$ROOTFS/etc/apt/apt.conf.d/90arena-standin" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Check-Valid-Until "false";
APT
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*

tar --numeric-owner -C "$ROOTFS" -c . |
    docker import --change 'CMD ["/bin/bash"]' \
        --change 'LABEL org.opencontainers.image.description="arena TEST STAND-IN base (debootstrap bookworm minbase)"' \
        - "$TAG" >/dev/null
echo "base: built $TAG"
