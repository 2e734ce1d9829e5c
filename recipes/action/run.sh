#!/bin/sh
# The composite action's step (action.yml): runs the builder with rootful podman as the README
# shows, with GitHub's step summary and outputs made visible to it; the builder names outputs
# relative to its output directory, and they are handed on as paths on the runner.
# Inputs come as INPUT_* variables (action.yml); GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are files.
set -eu
as_root=""; [ "$(id -u)" = 0 ] || as_root=sudo
storage=/var/lib/containers/storage
out=$(realpath -m "${INPUT_OUTPUT:-output}")
mkdir -p "$out"

builder=${INPUT_BUILDER:-}
if [ -z "$builder" ]; then # no published builder given: the one of this action's own source
  builder=localhost/deb-bootc-image-builder
  $as_root podman build -q -t "$builder" "${GITHUB_ACTION_PATH:?}" >/dev/null
fi

set -- --type "${INPUT_TYPES:-qcow2}" --pull="${INPUT_PULL:-missing}"
[ -z "${INPUT_ROOTFS:-}" ] || set -- "$@" --rootfs "$INPUT_ROOTFS"
[ -z "${INPUT_SIZE:-}" ] || set -- "$@" --size "$INPUT_SIZE"
mounts=""
if [ -n "${INPUT_CONFIG:-}" ]; then
  # at its own path: an error in it is annotated at its place in the repository
  config=$(realpath "$INPUT_CONFIG")
  case "$config" in *[[:space:]]*) echo "::error::the config path must not contain spaces: $config"; exit 2 ;; esac
  mounts="-v $config:$config:ro"
  set -- "$@" --config "$config"
fi
# shellcheck disable=SC2086 # extra arguments are split on spaces, as documented
set -- "$@" ${INPUT_EXTRA:-} "${INPUT_IMAGE:?the image input is required}"

# GitHub's files, through files of our own (the builder's outputs are relative paths)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/output"; : > "$work/summary"
# shellcheck disable=SC2086
$as_root podman run --rm --privileged \
  -v "$storage:$storage" -v "$out:/output" $mounts \
  -v "$work/output:/github/output" -v "$work/summary:/github/summary" \
  -e GITHUB_ACTIONS=true -e GITHUB_OUTPUT=/github/output -e GITHUB_STEP_SUMMARY=/github/summary \
  -e GITHUB_WORKSPACE="${GITHUB_WORKSPACE:-$PWD}" \
  "$builder" "$@" && status=0 || status=$?

[ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$work/summary" >> "$GITHUB_STEP_SUMMARY"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  while IFS='=' read -r key value; do
    paths=""
    for v in $value; do paths="${paths:+$paths }$out/$v"; done
    printf '%s=%s\n' "$key" "$paths" >> "$GITHUB_OUTPUT"
  done < "$work/output"
fi
exit "$status"
