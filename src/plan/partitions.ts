// The disk layout: bootc-image-builder's x86_64 GPT table (BIOS boot, ESP, /boot, root),
// sized from the image, and its rendering as an sfdisk script.
import { deriveUuid, deriveVolumeId, fatUuid } from './identity.js';
import type { DiskLayout, Filesystem, Partition } from './types.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
const SECTOR = 512;

/** Partition type GUIDs (UEFI spec / Discoverable Partitions Specification). */
export const GPT_TYPES = {
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
} as const;

export const DEFAULT_DISK_SIZE = 10 * GiB;
const MIN_ROOT = 2 * GiB;
/** First partition starts at 1 MiB; the backup GPT needs the last 33 sectors, we keep 1 MiB. */
const HEAD = MiB;
const TAIL = MiB;

export interface LayoutInput {
  seed: string;
  imageSizeBytes: number;
  rootfs: 'ext4';
  bios: boolean;
}

export function roundUpMiB(bytes: number): number {
  return Math.ceil(bytes / MiB) * MiB;
}

/** Smallest root partition that holds the deployment: twice the image, at least 2 GiB. */
export function minimumRootBytes(imageSizeBytes: number): number {
  return Math.max(MIN_ROOT, roundUpMiB(2 * imageSizeBytes));
}

export function planDisk(input: LayoutInput): DiskLayout {
  const fs = (purpose: string, type: Filesystem['type'], label: string, mountpoint: string): Filesystem => ({
    type,
    label,
    uuid: type === 'vfat' ? fatUuid(deriveVolumeId(input.seed, purpose)) : deriveUuid(input.seed, purpose),
    mountpoint,
  });
  const fixed: Omit<Partition, 'number' | 'startBytes' | 'uuid'>[] = [
    ...(input.bios ? [{ role: 'bios-boot' as const, name: 'BIOS-BOOT', typeGuid: GPT_TYPES.biosBoot, sizeBytes: MiB }] : []),
    { role: 'esp', name: 'EFI-SYSTEM', typeGuid: GPT_TYPES.esp, sizeBytes: 501 * MiB, filesystem: fs('esp', 'vfat', 'EFI-SYSTEM', '/boot/efi') },
    { role: 'boot', name: 'boot', typeGuid: GPT_TYPES.linux, sizeBytes: GiB, filesystem: fs('boot', input.rootfs, 'boot', '/boot') },
  ];
  const rootStart = HEAD + fixed.reduce((sum, p) => sum + p.sizeBytes, 0);
  const sizeBytes = Math.max(DEFAULT_DISK_SIZE, rootStart + minimumRootBytes(input.imageSizeBytes) + TAIL);

  const partitions: Partition[] = [];
  let start = HEAD;
  for (const p of fixed) {
    partitions.push({ ...p, number: partitions.length + 1, startBytes: start, uuid: deriveUuid(input.seed, `part-${p.role}`) });
    start += p.sizeBytes;
  }
  partitions.push({
    number: partitions.length + 1,
    role: 'root',
    name: 'root',
    typeGuid: GPT_TYPES.linux,
    uuid: deriveUuid(input.seed, 'part-root'),
    startBytes: start,
    sizeBytes: sizeBytes - start - TAIL,
    filesystem: fs('root', input.rootfs, 'root', '/'),
  });
  return { sizeBytes, table: 'gpt', uuid: deriveUuid(input.seed, 'disk'), partitions };
}

/** The layout as an sfdisk script (sectors, explicit UUIDs: the same table every time). */
export function sfdiskScript(disk: DiskLayout): string {
  const lines = ['label: gpt', `label-id: ${disk.uuid.toUpperCase()}`, 'unit: sectors', `sector-size: ${SECTOR}`, ''];
  for (const p of disk.partitions) {
    lines.push(
      `start=${p.startBytes / SECTOR}, size=${p.sizeBytes / SECTOR}, type=${p.typeGuid}, uuid=${p.uuid.toUpperCase()}, name="${p.name}"`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function partition(disk: DiskLayout, role: Partition['role']): Partition | undefined {
  return disk.partitions.find((p) => p.role === role);
}
