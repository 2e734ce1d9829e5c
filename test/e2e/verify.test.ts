// `verify` as users run it, in the builder container: the example disk passes under BIOS,
// UEFI and UEFI Secure Boot (enforced, as the guest itself reports); and it fails, each with
// its exit code and a report that says why, on an --exec that returns 1, a disk with a unit
// that fails, a guest that hangs (the time limit), and a disk whose initramfs was removed.
// `build --verify` builds and then verifies. The same disk verified on the host (the bundled
// CLI) gives the same checks.
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import Value from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { VerifyReport, reportText } from '../../src/verify/report.js';
import { ofType, parseEvents } from '../support/events.js';
import { EXAMPLE, REPO, buildImageFrom, runBuilder } from '../support/images.js';

const FAILING = 'localhost/dbib-verify-failing-unit';
const BOOTC_STATUS = JSON.stringify({ status: { booted: { image: { image: { image: 'quay.io/example/os' }, version: '42' } } } });
const HANGING = 'localhost/dbib-verify-hanging';
let dir: string;

const unit = (name: string, service: string) => [
  `RUN printf '[Unit]\\nDescription=${name}\\n${service.includes('sleep') ? 'Before=multi-user.target\\n' : ''}[Service]\\nType=oneshot\\n${service}\\n[Install]\\nWantedBy=multi-user.target\\n' > /usr/lib/systemd/system/${name}.service && systemctl enable ${name}.service`,
];

let failingBuild: Awaited<ReturnType<typeof runBuilder>>;

async function build(image: string, name: string, types = 'qcow2', args: string[] = []) {
  const out = `${dir}/${name}`;
  await mkdir(out);
  const run = await runBuilder([...args, '--type', types, image], { output: out });
  if (run.exitCode !== 0 && args.length === 0) throw new Error(`build of ${image} failed: ${run.stderr}`);
  return run;
}

async function verify(out: string, args: string[]) {
  const run = await runBuilder(['verify', '--json', ...args], { output: out, storage: false });
  const report = JSON.parse(run.stdout) as VerifyReport;
  console.log(`verify ${args.join(' ')}: exit ${run.exitCode}\n${reportText(report)}`);
  expect([...Value.Errors(VerifyReport, report)]).toEqual([]);
  return { run, report };
}

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/dbib-verify-`);
  await writeFile(`${dir}/bootc`, `#!/bin/sh\necho '${BOOTC_STATUS}'\n`);
  await Promise.all([
    // with a stand-in for bootc that answers `bootc status --format=json` as bootc would (bootc
    // is not in Debian's archive): the report reads the booted image from it
    buildImageFrom(FAILING, [`FROM ${EXAMPLE}`, ...unit('dbib-fails', 'ExecStart=/bin/false'), 'COPY --chmod=755 bootc /usr/bin/bootc'].join('\n'), { bootc: `${dir}/bootc` }),
    buildImageFrom(HANGING, [`FROM ${EXAMPLE}`, ...unit('dbib-hangs', 'ExecStart=/bin/sleep infinity\\nTimeoutStartSec=infinity')].join('\n')),
  ]);
  await Promise.all([build(EXAMPLE, 'example', 'qcow2,raw'), build(HANGING, 'hanging')]);
  // build --verify: built, then booted (BIOS and UEFI), the unit's failure its exit code
  failingBuild = await build(FAILING, 'failing', 'qcow2', ['--verify', '--installer', 'native']);
  // the raw disk with the initramfs deleted from /boot (partition 3), through a loop device
  const raw = `${dir}/broken/image/disk.raw`;
  await mkdir(`${dir}/broken/image`, { recursive: true });
  await copyFile(`${dir}/example/image/disk.raw`, raw);
  const { stdout } = await execa('sfdisk', ['--json', raw]);
  const boot = (JSON.parse(stdout) as { partitiontable: { partitions: { start: number; size: number; name?: string }[] } }).partitiontable.partitions.find((p) => p.name === 'boot');
  if (!boot) throw new Error('no boot partition');
  const loop = (await execa('losetup', ['-f', '--show', '--offset', String(boot.start * 512), '--sizelimit', String(boot.size * 512), raw])).stdout;
  const mnt = `${dir}/mnt`;
  await mkdir(mnt);
  try {
    await execa('mount', [loop, mnt]);
    await execa('sh', ['-c', `rm -v ${mnt}/ostree/*/initramfs-*`]);
  } finally {
    await execa('umount', [mnt], { reject: false });
    await execa('losetup', ['-d', loop]);
  }
});

afterAll(async () => {
  await execa('podman', ['rmi', '-f', FAILING, HANGING], { reject: false });
  await rm(dir, { recursive: true, force: true });
});

describe('verify passes', () => {
  it('the example qcow2 under BIOS, UEFI and UEFI Secure Boot, Secure Boot enforced in the guest', async () => {
    const { run, report } = await verify(`${dir}/example`, ['--firmware', 'all', '/output/qcow2/disk.qcow2']);
    expect(run.exitCode).toBe(0);
    expect(report.boots.map((b) => [b.firmware, b.outcome])).toEqual([['bios', 'pass'], ['uefi', 'pass'], ['uefi-secure', 'pass']]);
    const [bios, uefi, secure] = report.boots;
    expect(bios?.secureBoot).toBeUndefined();
    expect(uefi?.secureBoot).toBe(false);
    expect(secure?.secureBoot).toBe(true);
    expect(secure?.checks.find((c) => c.name === 'secure boot enforced')?.detail).toMatch(/^SecureBoot variable 1; kernel lockdown: .*\[integrity\]/);
    for (const b of report.boots) {
      expect(b.state).toBe('running');
      expect(b.deployment).toMatch(/^default [0-9a-f]{64}\.0$/);
      expect(Object.keys(b.mounts)).toEqual(['/', '/boot', '/boot/efi', '/var']);
      expect(b.mounts['/var']?.source).toMatch(/\[\/ostree\/deploy\/default\/var\]$/); // the stateroot's var, bind-mounted
    }
  });
});

describe('verify fails, with its exit code and why', () => {
  it('an --exec that returns 1: verify-failed, that check alone failed, its output shown', async () => {
    const { run, report } = await verify(`${dir}/example`, ['--firmware', 'bios', '--exec', 'echo smoke; exit 1', '--exec', 'true', '/output/qcow2/disk.qcow2']);
    expect(run.exitCode).toBe(EXIT_CODES['verify-failed']);
    expect(report.boots[0]?.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['exec 1']);
    expect(report.boots[0]?.execs).toEqual([
      { command: 'echo smoke; exit 1', exitCode: 1, output: 'smoke' },
      { command: 'true', exitCode: 0, output: '' },
    ]);
  });

  it('build --verify of an image with a unit that fails: the disk built, then verify-failed under BIOS and UEFI', () => {
    console.log(`build --verify: exit ${failingBuild.exitCode}\n${failingBuild.stderr}`);
    expect(failingBuild.exitCode).toBe(EXIT_CODES['verify-failed']);
    expect(failingBuild.stdout).toBe('/output/qcow2/disk.qcow2');
    expect(failingBuild.stderr).toMatch(/^FAIL  qcow2\/disk\.qcow2  BIOS \(\w+\)/m);
    expect(failingBuild.stderr).toMatch(/^FAIL  qcow2\/disk\.qcow2  UEFI \(\w+\)/m);
    expect(failingBuild.stderr).toMatch(/^ {2}FAIL {2}no failed units +dbib-fails\.service$/m);
  });

  it('a unit that fails: verify-failed, the system degraded, the unit named; as events and GitHub annotations too', async () => {
    const github = ['-e', 'GITHUB_ACTIONS=true'];
    const run = await runBuilder(['verify', '--json', '--firmware', 'bios', '--progress', 'json', '--progress-file', '/output/events.ndjson', '/output'], { output: `${dir}/failing`, storage: false, podmanArgs: github });
    const report = JSON.parse(run.stdout) as VerifyReport;
    expect(run.exitCode).toBe(EXIT_CODES['verify-failed']);
    expect(report.boots[0]).toMatchObject({ state: 'degraded', failedUnits: ['dbib-fails.service'] });
    expect(report.boots[0]?.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['system running', 'no failed units']);
    // the image's bootc (a stand-in here) asked for its status
    expect(report.boots[0]?.checks.find((c) => c.name === 'bootc status')).toEqual({ name: 'bootc status', ok: true, detail: 'booted quay.io/example/os 42' });
    const events = parseEvents(await readFile(`${dir}/failing/events.ndjson`, 'utf8'));
    expect(ofType(events, 'booted')).toMatchObject([{ artifact: '/output/qcow2/disk.qcow2', firmware: 'bios', outcome: 'verify-failed', failed: ['system running', 'no failed units'] }]);
    expect(events.at(-1)).toMatchObject({ type: 'build-end', ok: false, exitCode: EXIT_CODES['verify-failed'] });
    expect(run.stderr.split('\n')).toContain('::error::qcow2/disk.qcow2 (BIOS): no failed units: dbib-fails.service');
  });

  it('a guest that hangs: boot-timeout at the time limit, the console showing the job it waits for', async () => {
    const { run, report } = await verify(`${dir}/hanging`, ['--firmware', 'bios', '--timeout', '90', '/output']);
    expect(run.exitCode).toBe(EXIT_CODES['boot-timeout']);
    expect(report.boots[0]).toMatchObject({ outcome: 'boot-timeout', end: 'timeout', checks: [] });
    expect(report.boots[0]?.seconds).toBeGreaterThanOrEqual(89);
    expect(report.boots[0]?.consoleTail.join('\n')).toContain('dbib-hangs.service');
  });

  it('a disk whose initramfs was removed: boot-failed, the console showing where it stopped', async () => {
    const { run, report } = await verify(`${dir}/broken`, ['--firmware', 'bios', '--timeout', '300', '/output/image/disk.raw']);
    expect(run.exitCode).toBe(EXIT_CODES['boot-failed']);
    expect(report.boots[0]?.outcome).toBe('boot-failed');
    expect(report.boots[0]?.consoleTail.join('\n')).toMatch(/Kernel panic|initramfs|not found/);
  });
});

describe('verify on the host', () => {
  it('gives the same checks for the same disk as in the builder (the bundled CLI, host QEMU and OVMF)', async () => {
    const cli = `${dir}/cli.mjs`;
    await execa('node', [`${REPO}recipes/bundle.mjs`, 'src/main.ts', cli], { cwd: REPO });
    const host = await execa('node', [cli, 'verify', '--json', '--firmware', 'uefi', `${dir}/example/qcow2/disk.qcow2`], { reject: false });
    const inBuilder = await verify(`${dir}/example`, ['--firmware', 'uefi', '/output/qcow2/disk.qcow2']);
    const report = JSON.parse(host.stdout) as VerifyReport;
    console.log(`host: exit ${host.exitCode}\n${reportText(report)}`);
    expect(host.exitCode).toBe(0);
    const shape = (r: VerifyReport) => r.boots.map((b) => ({ outcome: b.outcome, checks: b.checks.map((c) => [c.name, c.ok]), mounts: Object.keys(b.mounts), deployment: b.deployment }));
    expect(shape(report)).toEqual(shape(inBuilder.report));
    expect(await readdir(`${dir}/example/qcow2`)).toEqual(['disk.qcow2']); // nothing written beside it
  });
});
