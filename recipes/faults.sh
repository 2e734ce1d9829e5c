#!/bin/sh
# Fault injection: builds of IMAGE (raw, as a user runs them) stopped by SIGINT, SIGTERM or
# `podman kill -s KILL` at times spread over a whole build, then counted for what they left on
# the host: loop devices, loop partition nodes, mounts, mounted images in the storage,
# containers, and files under a final artifact name. Prints one line per run and the totals;
# exits 1 when anything leaked.
# usage: faults.sh [RUNS [IMAGE]]   (BUILDER: the builder image to use)
set -eu
runs=${1:-50}
image=${2:-localhost/debian-bootc-example}
builder=${BUILDER:-localhost/deb-bootc-image-builder}
storage=/var/lib/containers/storage
base=$(mktemp -d /var/tmp/dbib-faults.XXXXXX)
trap 'rm -rf "$base"' EXIT

# (each count only sees this script's builds, so other builds may run meanwhile)
loops() { losetup --list --noheadings --output BACK-FILE 2>/dev/null | grep -c "$base" || true; }
# partition nodes of loop devices that are no longer attached, or no longer partitioned
nodes() {
  n=0
  for node in /dev/loop*p*; do
    [ -e "$node" ] || continue
    name=${node#/dev/}; loop=${name%p*}
    if [ ! -e "/sys/block/$loop/loop/backing_file" ] || [ ! -e "/sys/class/block/$name" ]; then n=$((n + 1)); fi
  done
  echo "$n"
}
mounts() { grep -c -e "$base" /proc/self/mountinfo || true; }
mounted_images() { podman image mount 2>/dev/null | grep -c "$id" || true; }
containers() { podman ps -a --filter name=dbib-fault --format '{{.Names}}' | wc -l; }
# artifacts and result files under their final names (a killed build leaves only work names)
finals() { find "$1" -path "$1/.deb-bootc-image-builder.work" -prune -o -type f \( -name 'disk.*' -o -name manifest.json -o -name SHA256SUMS -o -name build-record.json \) -print | wc -l; }

run_build() { # name output
  podman run --rm --name "$1" --privileged -v "$storage:$storage" -v "$2:/output" "$builder" --type raw "$image" >"$2.log" 2>&1
}

# an image of its own (the mounted-image count looks for its ID only)
printf 'FROM %s\nLABEL dbib.faults=%s\n' "$image" "$base" | podman build -q -t localhost/dbib-faults -f - "$base" >/dev/null
id=$(podman image inspect --format '{{.Id}}' localhost/dbib-faults)
image=localhost/dbib-faults
trap 'rm -rf "$base"; podman rmi -f localhost/dbib-faults >/dev/null 2>&1 || true' EXIT

# one full build first: how long one takes, so the kills spread over all of it
out="$base/full"; mkdir -p "$out"
t0=$(date +%s); run_build dbib-fault-full "$out"; t1=$(date +%s)
span=$((t1 - t0))
echo "full build: ${span} s (kills spread over 1..${span} s)"
rm -rf "$out" "$out.log"

leaks=0
i=1
while [ "$i" -le "$runs" ]; do
  case $((i % 3)) in 0) sig=INT ;; 1) sig=TERM ;; *) sig=KILL ;; esac
  # spread: run i of RUNS at about i/RUNS of the build, jittered by up to 3 s
  at=$(( (span * i) / (runs + 1) + $(od -An -N1 -tu1 /dev/urandom) % 4 ))
  [ "$at" -ge 1 ] || at=1
  name="dbib-fault-$i"; out="$base/run-$i"; mkdir -p "$out"
  run_build "$name" "$out" & pid=$!
  sleep "$at"
  podman kill -s "$sig" "$name" >/dev/null 2>&1 || true
  set +e; wait "$pid"; rc=$?; set -e
  stage=$(grep -o '^\[[0-9]*/[0-9]*\][^:]*' "$out.log" | tail -1)
  sleep 2 # the kernel's autoclear of a killed build's loop devices is asynchronous
  l=$(loops); n=$(nodes); m=$(mounts); mi=$(mounted_images); c=$(containers)
  f=0; [ "$rc" -eq 0 ] || f=$(finals "$out")
  total=$((l + n + m + mi + c + f))
  leaks=$((leaks + total))
  printf 'run %2d: %-4s at %3d s, exit %3d, %-40s loops %d nodes %d mounts %d mounted-images %d containers %d final-named %d\n' \
    "$i" "$sig" "$at" "$rc" "${stage:-(before the first stage)}" "$l" "$n" "$m" "$mi" "$c" "$f"
  rm -rf "$out" "$out.log"
  i=$((i + 1))
done
echo "runs: $runs, leaks: $leaks"
[ "$leaks" -eq 0 ]
