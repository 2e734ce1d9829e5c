#!/bin/sh
# What a person sees: a build in a real pseudo-terminal (tmux), with a pull from a local
# registry (docker-registry, no TLS) and all eight types, its screen captured every few
# seconds while it runs and once at the end. Prints the captures.
# usage: term-demo.sh [IMAGE] [COLUMNS] [EVERY_SECONDS]
set -eu
image=${1:-localhost/debian-bootc-example}
columns=${2:-100}
every=${3:-4}
builder=${BUILDER:-localhost/deb-bootc-image-builder}
storage=/var/lib/containers/storage
dir=$(mktemp -d /var/tmp/dbib-term-demo.XXXXXX)
port=5599
session=dbib-term-demo-$$
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -z "${registry:-}" ] || kill "$registry" 2>/dev/null || true
  podman rmi -f "127.0.0.1:$port/demo:1" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/out"
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s/data}}\nhttp: {addr: 127.0.0.1:%s}\n' "$dir" "$port" > "$dir/registry.yml"
docker-registry serve "$dir/registry.yml" >/dev/null 2>&1 & registry=$!
sleep 1
podman push -q --tls-verify=false "$image" "docker://127.0.0.1:$port/demo:1"
# not in the store: the builder pulls it
podman rmi -f "127.0.0.1:$port/demo:1" >/dev/null 2>&1 || true

tmux new-session -d -s "$session" -x "$columns" -y 30 \
  "podman run --rm -it --privileged --network host -v $storage:$storage -v $dir/out:/output $builder \
     --type qcow2,raw,vmdk,vdi,vhd,ami,gce,ova --tls-verify=false 127.0.0.1:$port/demo:1; echo exit=\$?; sleep 600"
n=0
while ! tmux capture-pane -p -t "$session" | grep -q '^exit='; do
  sleep "$every"; n=$((n + 1))
  echo "--- after $((n * every)) s"
  tmux capture-pane -p -t "$session" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
done
echo "--- at the end"
tmux capture-pane -p -S -100 -t "$session" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
