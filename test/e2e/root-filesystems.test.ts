// Root filesystems besides a plain ext4 partition, booted: btrfs from a BIB disk layout
// (subvolumes for / and /var/log) and LVM (root, /var/log and swap as logical volumes). /boot
// stays ext4 so that every Debian GRUB reads it. An xfs root boots in test/e2e/update.test.ts
// (the shaped image's install config asks for it); `--rootfs xfs` boots in test-full.
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/images.js';
import { buildAndBoot } from '../support/rootfs.js';

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
