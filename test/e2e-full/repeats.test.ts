// What `npm test` boots once, booted again by `just test-full` (kept out of npm test for CI's
// time budget): the
// plain quick start disk under SeaBIOS and OVMF and a qcow2 sized by --size auto (npm test
// boots qcow2 disks of the same image in both firmwares, with a config), an xfs root from
// --rootfs (npm test boots xfs roots from an install config), bootc-image-builder's README
// config examples (npm test builds them and checks the plan), and the trixie example's staged
// update under UEFI (npm test: under BIOS; the shaped image's under both).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { bootCheck, type Firmware } from '../support/boot.js';
import { EXAMPLE, REPO, runBuilder } from '../support/images.js';
import { buildAndBoot } from '../support/rootfs.js';
import { UPDATE_VARIANTS, stagedUpdateTests } from '../support/staged-update.js';

/** The example built into a fresh output directory; `types` as --type takes them. */
async function buildExample(types: string, args: string[] = [], podmanArgs: string[] = []) {
  const out = await mkdtemp(`${tmpdir()}/dbib-full-`);
  const build = await runBuilder([...args, '--type', types, EXAMPLE], { output: out, podmanArgs });
  expect(build.exitCode).toBe(0);
  return { out, plan: JSON.parse(await readFile(`${out}/manifest-${types.replaceAll(',', '-')}.json`, 'utf8')) as Plan };
}

const buildQcow2 = (args: string[], podmanArgs: string[] = []) => buildExample('qcow2', args, podmanArgs);

describe('the quick start disk, and one sized by --size auto', () => {
  it.each([
    ['bios', []],
    ['uefi', []],
    ['uefi', ['--size', 'auto']],
  ] as [Firmware, string[]][])('boots with %s firmware %j to multi-user, running the ostree deployment', async (firmware, args) => {
    const { out, plan } = await buildQcow2(args);
    const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, { firmware, format: 'qcow2', log: `${out}/serial-${firmware}.log` });
    console.log(`${firmware} ${args.join(' ')}: ${boot.accel} boot to check in ${boot.seconds.toFixed(1)} s, state=${boot.state}\n${boot.ostreeStatus}`);
    expect(boot.state).toBe('running');
    expect(boot.failedUnits).toEqual([]);
    expect(boot.cmdline).toContain(`root=UUID=${plan.disk.partitions.find((p) => p.role === 'root')?.filesystem?.uuid}`);
    expect(boot.ostreeStatus).toMatch(/^\* default [0-9a-f]{64}\.0$/m);
  });
});

describe('root filesystems', () => {
  it('xfs from --rootfs: root xfs, /boot ext4', async () => {
    const { boot } = await buildAndBoot('xfs', ['--rootfs', 'xfs'], [], 'uefi');
    expect(boot.state).toBe('running');
    expect(boot.failedUnits).toEqual([]);
    expect(boot.probes.sysroot).toBe('xfs /');
    expect(boot.probes.boot).toBe('ext4');
  });
});

describe("bootc-image-builder's README examples, booted", () => {
  it('alice in sudo with her password and key, /var/data mounted', async () => {
    const { out } = await buildQcow2([], ['-v', `${REPO}test/fixtures/configs/bib-readme.toml:/config.toml:ro`]);
    const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, {
      firmware: 'uefi',
      format: 'qcow2',
      log: `${out}/serial.log`,
      probes: {
        alice: 'id -nG alice',
        password: `h=$(awk -F: '$1=="alice"{print $2}' /etc/shadow); perl -e 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "verifies" : "differs"' bob "$h"`,
        key: 'cat ~alice/.ssh/authorized_keys',
        data: 'findmnt -no TARGET /var/data',
      },
    });
    expect(boot.state).toBe('running');
    expect(boot.probes).toMatchObject({ alice: 'alice sudo', password: 'verifies', key: 'ssh-rsa AAA ... user@email.com', data: '/var/data' });
  });
});

const trixie = UPDATE_VARIANTS.find((v) => v.image === EXAMPLE);
if (!trixie) throw new Error('no trixie variant in UPDATE_VARIANTS');
describe.each([{ ...trixie, firmwares: ['uefi'] as Firmware[] }])('staged update ($name) under UEFI', (variant) => {
  stagedUpdateTests(variant);
});
