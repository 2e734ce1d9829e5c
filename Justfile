# Tasks for deb-bootc-image-builder. `npm run example` / `npm test` prepare the host first
# (recipes/host/setup.sh) and then run the recipes of the same name here.

set shell := ["bash", "-euo", "pipefail", "-c"]
export PATH := justfile_directory() + "/node_modules/.bin:" + env_var("PATH")

builder := "localhost/deb-bootc-image-builder"
example := "localhost/debian-bootc-example"
storage := "/var/lib/containers/storage"
testtmp := "/var/tmp/deb-bootc-image-builder-tests"

# list the recipes
default:
    @just --list

# build the builder image (bundles the CLI in a build stage)
builder:
    podman build --network host -t {{builder}} .

# build the example Debian trixie bootc image
example-image:
    podman build --network host -t {{example}} recipes/example

# turn the example image into output/qcow2/disk.qcow2 with the builder, as a user would
# (user "debian", password "debian", from recipes/example/config.toml)
example: builder example-image
    mkdir -p output
    podman run --rm --privileged -v {{storage}}:{{storage}} -v ./output:/output \
      -v ./recipes/example/config.toml:/config.toml:ro {{builder}} --type qcow2 {{example}}
    @ls -l output/qcow2/disk.qcow2

# time builds against writing the image's bytes once: just bench [IMAGE [RUNS]]
bench *args: builder
    sh recipes/bench.sh {{args}}

# what the reporter costs: qcow2 builds with --progress json against plain, medians: just bench-progress [IMAGE [RUNS]]
bench-progress *args: builder
    sh recipes/bench-progress.sh {{args}}

# a build in a real terminal (tmux), pulled from a local registry, eight types; screen captures: just term-demo [IMAGE [COLUMNS [EVERY]]]
term-demo *args: builder example-image
    sh recipes/term-demo.sh {{args}}

# fault injection: RUNS builds killed (INT, TERM, KILL) at times spread over a build, each
# checked for leaked loop devices, partition nodes, mounts, containers and final-named files
faults runs="50" image=example: builder
    BUILDER={{builder}} sh recipes/faults.sh {{runs}} {{image}}

# bundle the CLI into dist/ (for running it on the host)
bundle:
    node recipes/bundle.mjs

# type-check the sources and tests
typecheck:
    tsc --noEmit -p .

# every test: unit, integration (real disk tools) and end-to-end (builder container, QEMU boots).
# Test outputs (disks, logs) go to {{testtmp}}: emptied before the run, removed after a passing
# one, kept for a look after a failing one.
test: typecheck
    rm -rf {{testtmp}} && mkdir -p {{testtmp}}
    TMPDIR={{testtmp}} vitest run --config test/vitest.config.ts --project unit --project integration --project e2e
    rm -rf {{testtmp}}

# everything `test` runs, and the boots it leaves out to stay inside CI's time budget because
# they repeat what it boots once (test/e2e-full): about 25 minutes more
test-full: typecheck
    rm -rf {{testtmp}} && mkdir -p {{testtmp}}
    TMPDIR={{testtmp}} vitest run --config test/vitest.config.ts
    rm -rf {{testtmp}}

# only the fast tests that need neither root nor containers
unit:
    vitest run --config test/vitest.config.ts --project unit
