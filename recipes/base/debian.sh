#!/bin/sh
# Make `FROM debian:SUITE` resolve on this host. Uses the image if it is already in local
# storage, pulls it when a registry answers, and otherwise (air-gapped or registry-less
# machines) builds it from Debian's archive with debootstrap and imports it under the name a
# Containerfile's FROM looks up, so builds never need a container registry.
# usage: debian.sh [SUITE] [MIRROR]
set -eu
suite=${1:-trixie}
mirror=${2:-${DEBIAN_MIRROR:-http://deb.debian.org/debian}}
name=docker.io/library/debian:$suite
say() { printf 'base-image: %s\n' "$*" >&2; }

if podman image exists "$name"; then exit 0; fi

if [ -z "${DBIB_NO_PULL:-}" ] && timeout 60 podman pull -q "$name" >/dev/null 2>&1; then
  say "pulled $name"; exit 0
fi

say "no registry answered: building $name with debootstrap from $mirror"
root=$(mktemp -d /var/tmp/dbib-base.XXXXXX)
trap 'rm -rf "$root"' EXIT INT TERM
debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2
# what the official image does: no apt caches, no lists, a clean machine-id
rm -rf "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/*
: > "$root/etc/machine-id"
tar -C "$root" --numeric-owner --xattrs -c . |
  podman import --change 'CMD ["bash"]' - "$name" >/dev/null
podman tag "$name" "localhost/debian:$suite"
say "imported $name"
