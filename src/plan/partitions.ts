// The disk layout: bootc-image-builder's x86_64 GPT table (BIOS boot, ESP, /boot, root),
// sized from the image and the filesystem/disk customizations, with extra partitions
// (/var/* filesystems, swap) before root so that root takes the rest of the disk.
import type { ExtraPartition, VolumeGroupSpec } from '../config/customizations.js';
import { LVM_TYPE_GUID, minimumPvBytes, planVolumeGroup, rootVolume } from './lvm.js';
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
  swap: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
} as const;

export const DEFAULT_DISK_SIZE = 10 * GiB;
const MIN_ROOT = 2 * GiB;
const DEFAULT_ESP = 501 * MiB;
const DEFAULT_BOOT = GiB;
/** First partition starts at 1 MiB; the backup GPT needs the last 33 sectors, we keep 1 MiB. */
const HEAD = MiB;
const TAIL = MiB;

export interface LayoutInput {
  seed: string;
  imageSizeBytes: number;
  rootfs: 'ext4' | 'xfs' | 'btrfs';
  /** btrfs root: its subvolumes ("/" included) */
  subvolumes?: { name: string; mountpoint: string }[];
  bios: boolean;
  /** minimum sizes from filesystem/disk customizations */
  sizes?: { root?: number; boot?: number; esp?: number };
  extra?: ExtraPartition[];
  /** an lvm partition: after the extra partitions, or last (instead of root) when it holds / */
  volumeGroup?: VolumeGroupSpec;
  /** the whole disk: exactly this many bytes, the smallest that fits ('auto'), or the
   * default (10 GiB, more when the image needs it) */
  diskSize?: number | 'auto';
  /** the disk size is a multiple of this (default whole MiB; GiB for GCE; exact sizes may be whole sectors) */
  unitBytes?: number;
}

/** The disk size asked for cannot hold the partitions. */
export class DiskTooSmall extends Error {
  constructor(
    readonly askedBytes: number,
    readonly neededBytes: number,
  ) {
    super(`a ${askedBytes}-byte disk is smaller than the ${neededBytes} bytes needed`);
  }
}

/** The disk size asked for is not a whole number of units. */
export class DiskSizeUnit extends Error {
  constructor(readonly askedBytes: number) {
    super(`a ${askedBytes}-byte disk is not a whole number of units`);
  }
}

export function roundUpMiB(bytes: number): number {
  return Math.ceil(bytes / MiB) * MiB;
}

export function roundUp(bytes: number, unit: number): number {
  return Math.ceil(bytes / unit) * unit;
}

/** Root partition by default, as BIB: twice the image, at least 2 GiB. */
export function minimumRootBytes(imageSizeBytes: number, requested = 0): number {
  return roundUpMiB(Math.max(MIN_ROOT, 2 * imageSizeBytes, requested));
}

/** Root partition for --size=auto: the deployment (the image's files once, in the ostree
 * repository, hard-linked into the deployment), ext4's own overhead (~5%) and headroom for
 * /etc, /var and a first update's changed files. */
export function fittingRootBytes(imageSizeBytes: number, requested = 0): number {
  return roundUpMiB(Math.max(requested, 1.25 * imageSizeBytes + 768 * MiB));
}

export function planDisk(input: LayoutInput): DiskLayout {
  const sizes = input.sizes ?? {};
  const fs = (purpose: string, type: Filesystem['type'], label: string | undefined, mountpoint?: string): Filesystem => ({
    type,
    ...(label ? { label } : {}),
    uuid: type === 'vfat' ? fatUuid(deriveVolumeId(input.seed, purpose)) : deriveUuid(input.seed, purpose),
    ...(mountpoint ? { mountpoint } : {}),
  });
  type Draft = Omit<Partition, 'number' | 'startBytes' | 'uuid' | 'device'> & { uuid?: string };
  const drafts: Draft[] = [
    ...(input.bios ? [{ role: 'bios-boot' as const, name: 'BIOS-BOOT', typeGuid: GPT_TYPES.biosBoot, sizeBytes: MiB }] : []),
    { role: 'esp', name: 'EFI-SYSTEM', typeGuid: GPT_TYPES.esp, sizeBytes: roundUpMiB(Math.max(DEFAULT_ESP, sizes.esp ?? 0)), filesystem: fs('esp', 'vfat', 'EFI-SYSTEM', '/boot/efi') },
    { role: 'boot', name: 'boot', typeGuid: GPT_TYPES.linux, sizeBytes: roundUpMiB(Math.max(DEFAULT_BOOT, sizes.boot ?? 0)), filesystem: fs('boot', 'ext4', 'boot', '/boot') },
    ...(input.extra ?? []).map((p, i): Draft => {
      const purpose = `extra-${p.mountpoint ?? p.fsType}-${i}`;
      return {
        role: 'extra',
        name: p.partLabel ?? (p.mountpoint ? p.mountpoint.slice(1).replaceAll('/', '-') : p.fsType),
        typeGuid: p.partType ?? (p.fsType === 'swap' ? GPT_TYPES.swap : GPT_TYPES.linux),
        sizeBytes: roundUpMiB(p.minBytes),
        ...(p.partUuid ? { uuid: p.partUuid.toLowerCase() } : {}),
        ...(p.fsType === 'none' ? {} : { filesystem: fs(purpose, p.fsType, p.label, p.mountpoint) }),
      };
    }),
  ];
  const vg = input.volumeGroup;
  const rootOnLvm = rootVolume(vg) !== undefined;
  const lvm = { role: 'lvm' as const, name: 'lvm', typeGuid: LVM_TYPE_GUID };
  if (vg && !rootOnLvm) drafts.push({ ...lvm, sizeBytes: roundUpMiB(minimumPvBytes(vg, 0)) });
  const rootStart = HEAD + drafts.reduce((sum, p) => sum + p.sizeBytes, 0);
  const sizeBytes = diskBytes(input, rootStart);
  if (vg && rootOnLvm) {
    drafts.push({ ...lvm, sizeBytes: sizeBytes - rootStart - TAIL });
  } else {
    const root = fs('root', input.rootfs, 'root', '/');
    if (input.rootfs === 'btrfs') root.subvolumes = input.subvolumes ?? [{ name: 'root', mountpoint: '/' }];
    drafts.push({ role: 'root', name: 'root', typeGuid: GPT_TYPES.linux, sizeBytes: sizeBytes - rootStart - TAIL, filesystem: root });
  }

  let start = HEAD;
  const partitions = drafts.map((d, i): Partition => {
    const number = i + 1;
    const partition: Partition = {
      ...d,
      number,
      device: d.role === 'extra' ? `part${number}` : d.role,
      startBytes: start,
      uuid: d.uuid ?? deriveUuid(input.seed, d.role === 'extra' ? `part-extra-${number}` : `part-${d.role}`),
    };
    start += d.sizeBytes;
    return partition;
  });
  const pv = partitions.find((p) => p.role === 'lvm');
  const volumeGroup = vg && pv ? planVolumeGroup(vg, input.seed, pv, fs) : undefined;
  return { sizeBytes, table: 'gpt', uuid: deriveUuid(input.seed, 'disk'), partitions, ...(volumeGroup ? { volumeGroup } : {}) };
}

/** Every filesystem of the disk with the device link it is written through: partitions and
 * logical volumes. */
export function filesystems(disk: DiskLayout): { device: string; role: string; filesystem: Filesystem }[] {
  return [
    ...disk.partitions.flatMap((p) => (p.filesystem ? [{ device: p.device, role: p.role, filesystem: p.filesystem }] : [])),
    ...(disk.volumeGroup?.volumes ?? []).map((lv) => ({ device: lv.device, role: lv.role, filesystem: lv.filesystem })),
  ];
}

/**
 * Options for mounting one of the disk's filesystems while it is built. Filesystem UUIDs
 * follow from the image (the same image gives the same disk), and xfs refuses to mount a
 * second filesystem with a UUID already mounted: another build's of the same image.
 */
export function buildMountOptions(fs: Filesystem, extra: readonly string[] = []): { options?: string[] } {
  const options = [...extra, ...(fs.type === 'xfs' ? ['nouuid'] : [])];
  return options.length > 0 ? { options } : {};
}

/** The root filesystem, on a partition or a logical volume. */
export function rootFilesystem(disk: DiskLayout): { device: string; filesystem: Filesystem } {
  const root = filesystems(disk).find((f) => f.role === 'root');
  if (!root) throw new Error('layout without a root filesystem');
  return root;
}

function diskBytes(input: LayoutInput, rootStart: number): number {
  const unit = input.unitBytes ?? MiB;
  const rootMinimum = (fit: boolean) => {
    const requested = Math.max(input.sizes?.root ?? 0, rootVolume(input.volumeGroup)?.minBytes ?? 0);
    const root = (fit ? fittingRootBytes : minimumRootBytes)(input.imageSizeBytes, requested);
    return input.volumeGroup && rootVolume(input.volumeGroup) ? roundUpMiB(minimumPvBytes(input.volumeGroup, root)) : root;
  };
  const root = rootMinimum(input.diskSize === 'auto');
  const needed = rootStart + root + TAIL;
  if (input.diskSize === 'auto') return roundUp(needed, unit);
  if (input.diskSize === undefined) return roundUp(Math.max(DEFAULT_DISK_SIZE, needed), unit);
  // exactly as asked; root needs at least what --size=auto would give it
  const fitting = rootStart + rootMinimum(true) + TAIL;
  if (input.diskSize < fitting) throw new DiskTooSmall(input.diskSize, roundUp(fitting, unit));
  if (input.diskSize % unit !== 0) throw new DiskSizeUnit(input.diskSize);
  return input.diskSize;
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
