import { describe, expect, it } from 'vitest';
import { GiB, MiB, minimumRootBytes, planDisk, sfdiskScript } from '../../src/plan/partitions.js';

const seed = 'ef663593477c38874d6627ddaa86d6ac82ad589d2703b97653f1f7e0ab068c6c';

describe('planDisk', () => {
  it('lays out BIB x86_64 GPT: BIOS boot, ESP, /boot, root on a 10 GiB disk', async () => {
    const disk = planDisk({ seed, imageSizeBytes: 507_414_434, rootfs: 'ext4', bios: true });
    expect(disk.sizeBytes).toBe(10 * GiB);
    expect(disk.partitions.map((p) => [p.number, p.role, p.startBytes / MiB, p.sizeBytes / MiB])).toEqual([
      [1, 'bios-boot', 1, 1],
      [2, 'esp', 2, 501],
      [3, 'boot', 503, 1024],
      [4, 'root', 1527, 10240 - 1527 - 1],
    ]);
    await expect(sfdiskScript(disk)).toMatchFileSnapshot('../golden/x86_64-bios-uefi.sfdisk');
  });

  it('drops the BIOS boot partition for UEFI-only images', async () => {
    const disk = planDisk({ seed, imageSizeBytes: 507_414_434, rootfs: 'ext4', bios: false });
    expect(disk.partitions.map((p) => p.role)).toEqual(['esp', 'boot', 'root']);
    await expect(sfdiskScript(disk)).toMatchFileSnapshot('../golden/x86_64-uefi.sfdisk');
  });

  it('derives the same UUIDs from the same image, different ones from another', () => {
    const a = planDisk({ seed, imageSizeBytes: 1, rootfs: 'ext4', bios: true });
    const b = planDisk({ seed, imageSizeBytes: 1, rootfs: 'ext4', bios: true });
    const c = planDisk({ seed: 'other', imageSizeBytes: 1, rootfs: 'ext4', bios: true });
    expect(b).toEqual(a);
    expect(c.partitions[3]?.filesystem?.uuid).not.toBe(a.partitions[3]?.filesystem?.uuid);
    const uuids = a.partitions.flatMap((p) => [p.uuid, p.filesystem?.uuid]).filter(Boolean);
    expect(new Set(uuids).size).toBe(uuids.length);
  });

  it('gives root twice the image size, growing the disk past 10 GiB when needed', () => {
    const image = 6 * GiB;
    const disk = planDisk({ seed, imageSizeBytes: image, rootfs: 'ext4', bios: true });
    const root = disk.partitions.at(-1);
    expect(root?.sizeBytes).toBe(minimumRootBytes(image));
    expect(disk.sizeBytes).toBe(1527 * MiB + 12 * GiB + MiB);
  });

  it('puts customized partitions before root and sizes everything as asked', async () => {
    const disk = planDisk({
      seed,
      imageSizeBytes: 507_414_434,
      rootfs: 'ext4',
      bios: true,
      sizes: { root: 5 * GiB, boot: 2 * GiB },
      diskSize: 20 * GiB,
      extra: [
        { fsType: 'swap', minBytes: 256 * MiB, label: 'swap', at: [] },
        { mountpoint: '/var/lib/data', fsType: 'xfs', minBytes: 100 * 1000 * 1000, partLabel: 'data', at: [] },
      ],
    });
    expect(disk.partitions.map((p) => [p.role, p.device, p.name, p.sizeBytes / MiB, p.filesystem?.type])).toEqual([
      ['bios-boot', 'bios-boot', 'BIOS-BOOT', 1, undefined],
      ['esp', 'esp', 'EFI-SYSTEM', 501, 'vfat'],
      ['boot', 'boot', 'boot', 2048, 'ext4'],
      ['extra', 'part4', 'swap', 256, 'swap'],
      ['extra', 'part5', 'data', 96, 'xfs'],
      ['root', 'root', 'root', 20 * 1024 - 1 - 1 - 501 - 2048 - 256 - 96 - 1, 'ext4'],
    ]);
    expect(disk.partitions[3]?.typeGuid).toBe('0657FD6D-A4AB-43C4-84E5-0933C84B4F4F');
    await expect(sfdiskScript(disk)).toMatchFileSnapshot('../golden/x86_64-custom-partitions.sfdisk');
  });

  it('uses FAT volume serials for the ESP and RFC 4122 UUIDs elsewhere', () => {
    const disk = planDisk({ seed, imageSizeBytes: 1, rootfs: 'ext4', bios: true });
    expect(disk.partitions[1]?.filesystem?.uuid).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(disk.partitions[3]?.filesystem?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
