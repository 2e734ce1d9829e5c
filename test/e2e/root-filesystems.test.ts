// Root filesystems besides a plain ext4 partition, booted: btrfs from a BIB disk layout
// (subvolumes for / and /var/log), xfs from --rootfs, and LVM (root, /var/log and swap as
// logical volumes). /boot stays ext4 so that every Debian GRUB reads it.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { bootCheck } from '../support/boot.js';
import { EXAMPLE, REPO, runBuilder } from '../support/images.js';

const PROBES = {
  sysroot: 'findmnt -no FSTYPE,FSROOT /sysroot',
  boot: 'findmnt -no FSTYPE /boot',
  varlog: 'findmnt -no FSTYPE,FSROOT /var/log || echo not-a-mount',
  journal: 'journalctl --disk-usage >/dev/null && echo journal-ok',
  lvs: 'lvs --noheadings -o vg_name,lv_name,lv_size,lv_active --units m --nosuffix 2>&1 | tr -s " "',
  vgck: 'vgck 2>&1 && echo vgck-ok',
  swap: 'swapon --show=NAME,TYPE --noheadings',
  sysrootSource: 'findmnt -no SOURCE,FSTYPE /sysroot',
  varlogSource: 'findmnt -no SOURCE,FSTYPE /var/log',
};

async function buildAndBoot(name: string, args: string[], podmanArgs: string[], firmware: 'bios' | 'uefi') {
  const out = await mkdtemp(`${tmpdir()}/dbib-rootfs-${name}-`);
  const build = await runBuilder([...args, '--type', 'qcow2', EXAMPLE], { output: out, podmanArgs });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.split('\n').slice(-5).join('\n')}`);
  const plan = JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan;
  const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, { firmware, format: 'qcow2', log: `${out}/serial.log`, probes: PROBES });
  console.log(`${name}: ${firmware} boot ${boot.seconds.toFixed(1)} s, state=${boot.state} ${JSON.stringify(boot.probes)}\n${boot.cmdline}`);
  return { plan, boot };
}

describe('root filesystems', () => {
  it('btrfs from the disk layout: / on subvolume root, /var/log on subvolume varlog', async () => {
    const { plan, boot } = await buildAndBoot('btrfs', [], ['-v', `${REPO}test/fixtures/configs/btrfs.toml:/config.toml:ro`], 'bios');
    expect(boot.state).toBe('running');
    expect(boot.failedUnits).toEqual([]);
    expect(boot.cmdline).toContain('rootflags=subvol=root');
    expect(boot.probes.sysroot).toBe('btrfs /root');
    expect(boot.probes.varlog).toBe('btrfs /varlog');
    expect(boot.probes.boot).toBe('ext4');
    expect(boot.probes.journal).toBe('journal-ok');
    expect(plan.disk.partitions.find((p) => p.role === 'root')?.sizeBytes).toBeGreaterThanOrEqual(8 * 1024 ** 3);
  });

  it('xfs from --rootfs: root xfs, /boot ext4', async () => {
    const { boot } = await buildAndBoot('xfs', ['--rootfs', 'xfs'], [], 'uefi');
    expect(boot.state).toBe('running');
    expect(boot.failedUnits).toEqual([]);
    expect(boot.probes.sysroot).toBe('xfs /');
    expect(boot.probes.boot).toBe('ext4');
    expect(boot.probes.varlog).toBe('not-a-mount');
  });

  it('lvm from the disk layout: root, /var/log (xfs) and swap on logical volumes of mainvg', async () => {
    const { plan, boot } = await buildAndBoot('lvm', [], ['-v', `${REPO}test/fixtures/configs/lvm.toml:/config.toml:ro`], 'uefi');
    expect(boot.state).toBe('running');
    expect(boot.failedUnits).toEqual([]);
    expect(plan.disk.partitions.at(-1)).toMatchObject({ role: 'lvm', typeGuid: 'E6D6D379-F507-44C2-A23C-238F2A3DF928' });
    expect(plan.disk.volumeGroup?.volumes.map((v) => v.name)).toEqual(['var_loglv', 'swaplv', 'rootlv']);
    expect(boot.probes.lvs).toMatch(/^ ?mainvg rootlv \d+\.\d+ active mainvg swaplv 512\.00 active mainvg var_loglv 1024\.00 active$/);
    expect(boot.probes.vgck).toBe('vgck-ok');
    expect(boot.probes.swap).toMatch(/^\/dev\/dm-\d+ partition$/);
    expect(boot.probes.sysrootSource).toBe('/dev/mapper/mainvg-rootlv ext4');
    expect(boot.probes.varlogSource).toBe('/dev/mapper/mainvg-var_loglv xfs');
    expect(boot.cmdline).toContain(`root=UUID=${plan.disk.volumeGroup?.volumes.at(-1)?.filesystem.uuid}`);
    expect(boot.probes.boot).toBe('ext4');
  });
});
