// LVM layouts as data: extents, offsets and names of the logical volumes, and the physical
// volume's on-disk head (label, metadata area, text) byte by byte. The lvm tools read what
// this writes in the booted system (test/e2e/root-filesystems.test.ts runs lvs and vgck there).
import { describe, expect, it } from 'vitest';
import { NO_CUSTOMIZATIONS } from '../../src/config/customizations.js';
import { lvmCrc, metadataText, physicalVolumeHead } from '../../src/disk/lvm-metadata.js';
import { planBuild } from '../../src/plan/build-plan.js';
import { deriveLvmId } from '../../src/plan/identity.js';
import { GiB, MiB, planDisk } from '../../src/plan/partitions.js';
import type { Step } from '../../src/plan/types.js';
import { exampleFacts } from '../support/facts.js';

const volumeGroup = {
  name: 'vg00',
  minBytes: 1,
  at: [],
  volumes: [
    { name: 'rootlv', mountpoint: '/', fsType: 'ext4' as const, minBytes: 4 * GiB, at: [] },
    { name: 'var_loglv', mountpoint: '/var/log', fsType: 'xfs' as const, minBytes: GiB + 1, at: [] },
    { name: 'swaplv', fsType: 'swap' as const, minBytes: 512 * MiB, at: [] },
  ],
};
const disk = planDisk({ seed: 'seed', imageSizeBytes: 500e6, rootfs: 'ext4', bios: true, volumeGroup });
const vg = disk.volumeGroup!;
const pv = disk.partitions.at(-1)!;

describe('volume group layout', () => {
  it('puts the physical volume last (instead of a root partition) and root last in it, with the rest', () => {
    expect(disk.partitions.map((p) => p.role)).toEqual(['bios-boot', 'esp', 'boot', 'lvm']);
    expect(pv.typeGuid).toBe('E6D6D379-F507-44C2-A23C-238F2A3DF928');
    expect(disk.sizeBytes).toBe(10 * GiB);
    const total = Math.floor((pv.sizeBytes - MiB) / (4 * MiB));
    expect(vg.volumes.map((v) => [v.name, v.role, v.device, v.startExtent, v.extents])).toEqual([
      ['var_loglv', 'extra', 'lv-var_loglv', 0, 257], // 1 GiB + 1 byte: rounded up to whole extents
      ['swaplv', 'extra', 'lv-swaplv', 257, 128],
      ['rootlv', 'root', 'root', 385, total - 385],
    ]);
    expect(vg.volumes[1]?.startBytes).toBe(pv.startBytes + MiB + 257 * 4 * MiB);
  });

  it('grows the disk when the volumes need more than 10 GiB, and sizes a volume group without / to fit', () => {
    const big = planDisk({ seed: 's', imageSizeBytes: 500e6, rootfs: 'ext4', bios: true, volumeGroup: { ...volumeGroup, volumes: [{ ...volumeGroup.volumes[0]!, minBytes: 12 * GiB }] } });
    expect(big.sizeBytes).toBeGreaterThan(12 * GiB);
    const varOnly = planDisk({ seed: 's', imageSizeBytes: 500e6, rootfs: 'ext4', bios: true, volumeGroup: { ...volumeGroup, volumes: volumeGroup.volumes.slice(1) } });
    expect(varOnly.partitions.map((p) => p.role)).toEqual(['bios-boot', 'esp', 'boot', 'lvm', 'root']);
    expect(varOnly.partitions[3]?.sizeBytes).toBe(MiB + (257 + 128) * 4 * MiB);
  });

  it('formats volumes through offset loop devices and writes the metadata after release', () => {
    const customizations = { ...NO_CUSTOMIZATIONS, volumeGroup, root: { fsType: 'ext4' as const, onLvm: true, subvolumes: [], at: [] } };
    const plan = planBuild(exampleFacts(), { types: ['qcow2'], outputDir: '/o', customizations }, 't');
    const steps = plan.stages.flatMap((s) => s.lanes.flat());
    const regions = steps.filter((s): s is Extract<Step, { kind: 'attach-region' }> => s.kind === 'attach-region');
    expect(regions.map((r) => [r.link, r.offsetBytes, r.sizeBytes])).toEqual(plan.disk.volumeGroup?.volumes.map((v) => [v.device, v.startBytes, v.sizeBytes]));
    const release = plan.stages.find((s) => s.title === 'Release the disk')?.lanes[0]?.map((s) => s.kind);
    expect(release).toEqual(['release', 'write-lvm-metadata']);
    expect(steps.some((s) => s.kind === 'exec' && s.argv[0] === 'mkfs.xfs' && s.argv.at(-1) === '/run/deb-bootc-image-builder/dev/lv-var_loglv')).toBe(true);
    const fstab = steps.find((s) => s.kind === 'deployment-file' && s.path === 'etc/fstab') as Extract<Step, { kind: 'deployment-file' }>;
    const [varlog, swap] = plan.disk.volumeGroup?.volumes ?? [];
    expect(fstab.content).toContain(`UUID=${varlog?.filesystem.uuid} /var/log xfs defaults 0 0\n`);
    expect(fstab.content).toContain(`UUID=${swap?.filesystem.uuid} none swap defaults 0 0\n`);
    expect(() => planBuild(exampleFacts((f) => (f.kernels[0]!.initramfsContents!.dracutModules = ['ostree', 'systemd'])), { types: ['qcow2'], outputDir: '/o', customizations }, 't')).toThrow(
      'cannot activate LVM volumes (no dracut lvm module): install lvm2 in the image and rebuild the initramfs, or use plain partitions',
    );
  });
});

describe('physical volume head', () => {
  it("computes lvm2's CRC (CRC-32 without the final xor, from lvm's seed)", () => {
    expect((lvmCrc(Buffer.from('123456789'), 0xffffffff) ^ 0xffffffff) >>> 0).toBe(0xcbf43926);
  });

  it('writes label, pv header, metadata area header and text where lvm2 looks for them', async () => {
    const head = physicalVolumeHead(vg, pv.sizeBytes, 1700000000);
    expect(head.length).toBe(MiB);
    expect(head.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(head.toString('latin1', 512, 520)).toBe('LABELONE');
    expect(head.toString('latin1', 536, 544)).toBe('LVM2 001');
    expect(head.toString('latin1', 544, 576)).toBe(vg.pvId.replaceAll('-', ''));
    expect(head.readBigUInt64LE(576)).toBe(BigInt(pv.sizeBytes));
    expect(head.readUInt32LE(528)).toBe(lvmCrc(head.subarray(532, 1024)));
    expect(head.toString('latin1', 4100, 4116)).toBe(' LVM2 x[5A%r0N*>');
    expect(head.readUInt32LE(4096)).toBe(lvmCrc(head.subarray(4100, 4608)));
    const size = Number(head.readBigUInt64LE(4096 + 48));
    const text = head.subarray(4608, 4608 + size);
    expect(text.at(-1)).toBe(0);
    expect(head.readUInt32LE(4096 + 56)).toBe(lvmCrc(text));
    await expect(metadataText(vg, pv.sizeBytes, 1700000000)).toMatchFileSnapshot('../golden/lvm-metadata.txt');
  });

  it('derives LVM ids in their 6-4-4-4-4-4-6 form, stable per seed', () => {
    expect(deriveLvmId('a', 'pv')).toMatch(/^[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}$/);
    expect(deriveLvmId('a', 'pv')).toBe(deriveLvmId('a', 'pv'));
    expect(deriveLvmId('a', 'pv')).not.toBe(deriveLvmId('b', 'pv'));
  });
});
