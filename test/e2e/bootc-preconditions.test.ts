// The image's own bootc cannot run on this project's machines (Debian packages no bootc), so
// what it needs is checked instead, in the very place it would run: the image shaped like the
// public ones (with podman and skopeo, as bootc-based images have them) gets a probe at
// /usr/bin/bootc (test/fixtures/images/bootc-probe/bootc) that checks each precondition bootc
// 1.15.0 has, taken from its source and named by file and function there. The builder runs
// it as users run the builder, choosing the bootc installer itself, with the exact argv,
// mounts and buildroot of the bootc step; the probe reports and stops the build.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, SHAPED, buildImageFrom, buildShapedImage, runBuilder } from '../support/images.js';

const PROBED = 'localhost/dbib-shaped:bootc-probe';

/** Each check, in the probe's order; `mkdir`, `statvfs` and `open` run for each mirrored path. */
const MIRRORED = ['/dev', '/var/lib/containers', '/var/tmp', '/run/udev'];
const CHECKS = [
  'root',
  ...MIRRORED.flatMap((p) => [`mkdir ${p}`, `statvfs ${p} and /proc/1/root${p}`, `open ${p} in pid 1's mount namespace`]),
  'tmpfs on /tmp',
  'create /run/bootc/storage',
  'podman images on a new store',
  'skopeo reads --source-imgref',
  'target is a mount point',
  'target root is empty',
  'root filesystem type and UUID',
  '--root-mount-spec is the mounted root',
  '/boot is its own filesystem',
  '--boot-mount-spec is the mounted /boot',
  'lsblk of the root device',
  '/boot/efi on /boot',
  'ostree',
];

let build: Awaited<ReturnType<typeof runBuilder>>;
let report: string[];

beforeAll(async () => {
  await buildShapedImage();
  await buildImageFrom(
    PROBED,
    `FROM ${SHAPED}\nCOPY bootc /usr/bin/bootc\n`,
    { bootc: `${REPO}test/fixtures/images/bootc-probe/bootc` },
  );
  const out = await mkdtemp(`${tmpdir()}/dbib-bootc-probe-`);
  build = await runBuilder(['--log-level', 'debug', '--type', 'raw', PROBED], { output: out });
  // the debug log carries the probe's output, one "debug:   LINE" each
  report = build.stderr.split('\n').flatMap((l) => /^debug:\s+(PRECONDITIONS? .*)$/.exec(l)?.slice(1, 2) ?? []);
  console.log(`bootc's preconditions, checked in the bootc step's buildroot:\n${report.join('\n')}`);
});

describe("the image's bootc gets what it needs (probe of bootc 1.15.0's preconditions)", () => {
  it('is chosen for an image with bootc, podman and skopeo, and runs as bootc install to-filesystem', () => {
    expect(build.stderr).toContain('installer: bootc (the image has bootc, podman and skopeo: bootc installs it without a bootloader');
    expect(build.stderr).toMatch(/run: \(in image-rw\) .*bootc install to-filesystem --source-imgref 'containers-storage:\[overlay@/);
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toContain('error: bootc install failed (exit code 1)');
  });

  it.each(CHECKS)('%s', (check) => {
    const line = report.find((l) => l.startsWith(`PRECONDITION ok ${check} (`) || l.startsWith(`PRECONDITION FAIL ${check} (`));
    expect(line, `no report for "${check}"`).toBeDefined();
    expect(line).toMatch(/^PRECONDITION ok /);
  });

  it('reports every check once, and nothing failed', () => {
    expect(report.at(-1)).toBe(`PRECONDITIONS ${CHECKS.length} ok, 0 failed`);
  });
});
