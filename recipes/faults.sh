#!/bin/sh
# Fault injection: builds of IMAGE (raw, as a user runs them) stopped by SIGINT, SIGTERM or
# `podman kill -s KILL` in every stage in turn, inspection first (run i: stage (i-1) mod
# (STAGES+1), 0 being the inspection before stage 1; a random 0-2 s after the stage began;
# the signal changes with each pass over the stages), then counted for what they left on
# the host: loop devices, loop partition nodes, mounts, mounted images in the storage,
# containers, and files under a final artifact name. Prints one line per run and the totals;
# exits 1 when anything leaked.
# usage: faults.sh [RUNS [IMAGE]]   (BUILDER: the builder image to use; FAULT_STAGES, e.g. "7",
# and FAULT_SIGNALS, e.g. "KILL", narrow the runs to those stages and signals)
set -eu
runs=${1:-50}
image=${2:-localhost/debian-bootc-example}
builder=${BUILDER:-localhost/deb-bootc-image-builder}
storage=/var/lib/containers/storage
base=$(mktemp -d /var/tmp/dbib-faults.XXXXXX)
trap 'rm -rf "$base"' EXIT

# Loop devices of builder work files that were not there before the run. (A device whose file
# was opened in a container shows the path seen from its mount once the container is gone,
# "/.deb-bootc-image-builder.work/disk.raw (deleted)", so the output path cannot identify it.)
work_loops() { losetup --list --noheadings --output NAME,BACK-FILE 2>/dev/null | awk '/\.deb-bootc-image-builder\.work/ { print $1 }'; }
loops() { work_loops | grep -c -v -x -F "$(printf '%s\n' $loops_before /none)" || true; }
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

# one full build first: its stages, and how long it takes
out="$base/full"; mkdir -p "$out"
t0=$(date +%s); run_build dbib-fault-full "$out"; t1=$(date +%s)
span=$((t1 - t0))
stages=$(grep -o '^\[[0-9]*/[0-9]*\]' "$out.log" | tail -1 | sed 's#.*/##; s#\]##')
[ -n "$stages" ] || stages=12
echo "full build: ${span} s, ${stages} stages"
rm -rf "$out" "$out.log"

leaks=0
i=1
while [ "$i" -le "$runs" ]; do
  set -- ${FAULT_STAGES:-$(seq 0 "$stages")}; per_pass=$#
  shift $(( (i - 1) % per_pass )); stage=$1
  set -- ${FAULT_SIGNALS:-TERM KILL INT}
  shift $(( ((i - 1) / per_pass) % $# )); sig=$1
  jitter=$(awk -v r="$(od -An -N1 -tu1 /dev/urandom)" 'BEGIN { printf "%.2f", r / 127.5 }')
  name="dbib-fault-$i"; out="$base/run-$i"; mkdir -p "$out"
  loops_before=$(work_loops)
  t0=$(date +%s)
  run_build "$name" "$out" & pid=$!
  # wait for the stage to begin (or the build to end), then a little more
  if [ "$stage" -gt 0 ]; then
    while kill -0 "$pid" 2>/dev/null && ! grep -q "^\[$stage/" "$out.log" 2>/dev/null; do sleep 0.1; done
  else
    sleep 1 # node and podman start
  fi
  sleep "$jitter"
  at=$(( $(date +%s) - t0 ))
  podman kill -s "$sig" "$name" >/dev/null 2>&1 || true
  set +e; wait "$pid"; rc=$?; set -e
  reached=$(grep -o '^\[[0-9]*/[0-9]*\][^:]*' "$out.log" | tail -1)
  sleep 2 # the kernel's autoclear of a killed build's loop devices is asynchronous
  l=$(loops); n=$(nodes); m=$(mounts); mi=$(mounted_images); c=$(containers)
  f=0; [ "$rc" -eq 0 ] || f=$(finals "$out")
  total=$((l + n + m + mi + c + f))
  leaks=$((leaks + total))
  printf 'run %2d: %-4s %ss into stage %2d (%3d s), exit %3d, last seen %-40s loops %d nodes %d mounts %d mounted-images %d containers %d final-named %d\n' \
    "$i" "$sig" "$jitter" "$stage" "$at" "$rc" "${reached:-(inspection, before stage 1)}" "$l" "$n" "$m" "$mi" "$c" "$f"
  rm -rf "$out" "$out.log"
  i=$((i + 1))
done
echo "runs: $runs, leaks: $leaks"
[ "$leaks" -eq 0 ]
