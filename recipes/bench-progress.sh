#!/bin/sh
# Benchmark: what the reporter costs. The same qcow2 build of IMAGE with --progress plain and
# with --progress json, RUNS times each, interleaved (plain, json, json, plain, ...) so that
# a drift of the machine falls on both; prints each time and the medians. Runs inside the
# builder container; prints numbers only.
# usage: bench-progress.sh [IMAGE] [RUNS]
set -eu
image=${1:-localhost/debian-bootc-example}
runs=${2:-3}
builder=${BUILDER:-localhost/deb-bootc-image-builder}
storage=/var/lib/containers/storage
out=$(mktemp -d /var/tmp/dbib-bench-progress.XXXXXX)
trap 'rm -rf "$out"' EXIT

podman run --rm --privileged -v $storage:$storage -v "$out":/output --entrypoint /bin/sh "$builder" -c "
set -eu
now() { date +%s.%N; }
build() { # mode: seconds of one build, its events counted
  rm -rf /output/*
  t0=\$(now); deb-bootc-image-builder build --type qcow2 --progress \$1 $image >/dev/null 2>/tmp/\$1.err; t1=\$(now)
  awk -v a=\$t0 -v b=\$t1 'BEGIN { printf \"%.2f\", b - a }'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = \$1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo image: $image, qcow2, $runs runs per mode
plain=''; json=''
for i in \$(seq $runs); do
  if [ \$((i % 2)) = 1 ]; then order='plain json'; else order='json plain'; fi
  for mode in \$order; do
    s=\$(build \$mode)
    if [ \$mode = plain ]; then plain=\"\$plain \$s\"; else json=\"\$json \$s\"; fi
    echo \"run \$i \$mode: \$s s (\$(wc -l < /tmp/\$mode.err) lines on stderr)\"
  done
done
p=\$(echo \$plain | median); j=\$(echo \$json | median)
echo \"median plain: \$p s\"
echo \"median json: \$j s\"
awk -v p=\$p -v j=\$j 'BEGIN { printf \"json - plain: %+.2f s (%+.1f%%)\n\", j - p, (j - p) / p * 100 }'
"
