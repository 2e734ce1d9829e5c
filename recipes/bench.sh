#!/bin/sh
# Benchmark: one build of IMAGE against the cost of writing the image's bytes once (a copy of
# the image tree onto a fresh ext4 filesystem on a loop device, synced). Runs inside the
# builder container; prints numbers only.
# Each run builds qcow2 alone, then all eight types at once, and prints the stage times and
# each artifact's time after the disk was ready (from build-record.json).
# usage: bench.sh [IMAGE] [RUNS]
set -eu
image=${1:-localhost/debian-bootc-example}
runs=${2:-3}
builder=${BUILDER:-localhost/deb-bootc-image-builder}
storage=/var/lib/containers/storage
out=$(mktemp -d /var/tmp/dbib-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

podman run --rm --privileged -v $storage:$storage -v "$out":/output --entrypoint /bin/sh "$builder" -c "
set -eu
now() { date +%s.%N; }
secs() { awk -v a=\$1 -v b=\$2 'BEGIN { printf \"%.1f\", b - a }'; }
echo image: $image
m=\$(podman image mount $image)
echo image size: \$(du -sb --apparent-size \$m 2>/dev/null | cut -f1) bytes in \$(find \$m -xdev | wc -l) entries
# floor: write the image tree once to a new filesystem
truncate -s 10G /output/floor.raw; l=\$(losetup -f --show /output/floor.raw)
trap 'umount /mnt/floor 2>/dev/null; losetup -d \$l 2>/dev/null; podman image unmount $image >/dev/null 2>&1' EXIT
mkfs.ext4 -q \$l; mkdir -p /mnt/floor; mount \$l /mnt/floor
t0=\$(now); cp -a \$m/. /mnt/floor/; sync; t1=\$(now)
umount /mnt/floor; losetup -d \$l; rm -f /output/floor.raw; podman image unmount $image >/dev/null; trap - EXIT
echo \"floor, the image tree written once (cp -a + sync): \$(secs \$t0 \$t1) s\"
all=qcow2,raw,vmdk,vdi,vhd,ami,gce,ova
for i in \$(seq $runs); do
  for types in qcow2 \$all; do
    rm -rf /output/*
    t0=\$(now); deb-bootc-image-builder build --log-level info --type \$types $image >/dev/null 2>/output.log; t1=\$(now)
    echo \"build \$i (\$types): \$(secs \$t0 \$t1) s\"
    sed -n 's/^info: \\(.*\\): \\([0-9.]*\\) s\$/  \\1: \\2 s/p' /output.log
    node -e 'for (const a of require(\"/output/build-record.json\").artifacts) console.log(\"  \" + a.path + \": \" + a.seconds + \" s after the disk, \" + a.bytes + \" bytes (\" + a.allocatedBytes + \" allocated)\")'
  done
done
"
