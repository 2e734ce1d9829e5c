#!/bin/sh
# Prepare a Debian host to build and test deb-bootc-image-builder: install podman (runc,
# explicit ulimits), QEMU + OVMF for boot tests, the disk tools the integration tests run,
# the project's node modules, and the debian:trixie base image. Idempotent and quiet when
# everything is already in place, so every entry point can call it.
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf 'host-setup: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E sh "$0" "$@"; fi
  say "must run as root (podman builds, loop devices and QEMU tests need it)"; exit 1
fi

# --- Debian packages -------------------------------------------------------------------------
packages="podman runc uidmap debootstrap qemu-system-x86 qemu-utils ovmf \
  fdisk util-linux e2fsprogs xfsprogs dosfstools mtools ostree attr \
  cpio gzip zstd xz-utils lz4 bzip2 docker-registry apache2-utils"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  say "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing >&2
fi

# the tests run their own registry; the package's system service is not wanted
if [ -n "$missing" ] && echo "$missing" | grep -q docker-registry; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# --- just (the task runner): Debian's package where the suite has it (trixie and later),
# otherwise the npm build of the same binary, installed globally like any host tool.
JUST_VERSION=1.40.0
if ! command -v just >/dev/null 2>&1; then
  if apt-cache show just >/dev/null 2>&1; then
    say "installing just"; apt-get install -y -q --no-install-recommends just >&2
  else
    say "installing just $JUST_VERSION from npm (not packaged for this Debian release)"
    npm install -g --no-audit --no-fund --loglevel=error "rust-just@$JUST_VERSION" >&2
    command -v just >/dev/null 2>&1 || ln -sf "$(npm prefix -g)/bin/just" /usr/local/bin/just
  fi
fi

# --- podman: runc and explicit ulimits (crun fails on this kind of machine) -------------------
conf=/etc/containers/containers.conf
want='[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  say "writing $conf (runtime runc, explicit ulimits)"
  mkdir -p /etc/containers
  [ -f "$conf" ] && cp "$conf" "$conf.before-dbib"
  printf '%s\n' "$want" > "$conf"
fi

# --- extra CA certificates (TLS-inspecting egress proxies) reach container builds ------------
# podman copies mounts.conf entries into every container, RUN steps included; the builder's
# Containerfile trusts /run/host-ca-certificates.crt when it is there.
mounts=/etc/containers/mounts.conf
entry=/etc/ssl/certs/ca-certificates.crt:/run/host-ca-certificates.crt
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1 && ! grep -qxF "$entry" "$mounts" 2>/dev/null; then
  say "host has extra CA certificates: making them available to container builds ($mounts)"
  printf '%s\n' "$entry" >> "$mounts"
fi

# --- node modules ------------------------------------------------------------------------------
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  say "installing node modules (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# --- the base image that `FROM debian:trixie` resolves to -------------------------------------
sh "$here/recipes/base/debian.sh" trixie
