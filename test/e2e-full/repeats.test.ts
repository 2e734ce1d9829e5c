// What `npm test` boots once, booted again by `just test-full`: the plain example disk of the
// quick start under SeaBIOS and OVMF (npm test boots the same image, type and firmwares with a
// config, in test/e2e/update.test.ts), and an xfs root from --rootfs (npm test boots one from
// an image's install config). Kept out of npm test to keep it inside CI's time budget.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { bootCheck, type Firmware } from '../support/boot.js';
import { EXAMPLE, runBuilder } from '../support/images.js';
import { buildAndBoot } from '../support/rootfs.js';

describe('the quick start disk', () => {
  it.each(['bios', 'uefi'] as Firmware[])('boots with %s firmware to multi-user, running the ostree deployment', async (firmware) => {
    const out = await mkdtemp(`${tmpdir()}/dbib-full-example-`);
    const build = await runBuilder(['--type', 'qcow2', EXAMPLE], { output: out });
    expect(build.exitCode).toBe(0);
    const plan = JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan;
    const rootUuid = plan.disk.partitions.find((p) => p.role === 'root')?.filesystem?.uuid;
    const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, { firmware, format: 'qcow2', log: `${out}/serial-${firmware}.log` });
    console.log(`${firmware}: ${boot.accel} boot to check in ${boot.seconds.toFixed(1)} s, state=${boot.state}\n${boot.ostreeStatus}`);
    expect(boot.state).toBe('running');
    expect(boot.failedUnits).toEqual([]);
    expect(boot.cmdline).toContain(`root=UUID=${rootUuid}`);
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
