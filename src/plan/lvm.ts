// The volume group of an lvm partition: one physical volume (the partition), extents of
// 4 MiB from 1 MiB into it, logical volumes laid out one after another in the config's
// order, the root volume (if any) last with every remaining extent.
import type { VolumeGroupSpec } from '../config/customizations.js';
import { deriveLvmId } from './identity.js';
import type { Filesystem, LogicalVolume, Partition, VolumeGroup } from './types.js';

export const MiB = 1024 * 1024;
export const LVM_TYPE_GUID = 'E6D6D379-F507-44C2-A23C-238F2A3DF928';
export const EXTENT_BYTES = 4 * MiB;
export const PE_START_BYTES = MiB;

const extentsFor = (bytes: number) => Math.ceil(bytes / EXTENT_BYTES);

export function rootVolume(spec: VolumeGroupSpec | undefined) {
  return spec?.volumes.find((v) => v.mountpoint === '/');
}

/** Bytes the physical volume needs besides the root volume: metadata and the other volumes. */
export function fixedBytes(spec: VolumeGroupSpec): number {
  const others = spec.volumes.filter((v) => v.mountpoint !== '/');
  return PE_START_BYTES + others.reduce((sum, v) => sum + extentsFor(v.minBytes) * EXTENT_BYTES, 0);
}

/** The physical volume partition's minimum size. */
export function minimumPvBytes(spec: VolumeGroupSpec, rootBytes: number): number {
  const root = rootVolume(spec) ? extentsFor(rootBytes) * EXTENT_BYTES : 0;
  return Math.max(spec.minBytes, fixedBytes(spec) + root);
}

export function planVolumeGroup(spec: VolumeGroupSpec, seed: string, pv: Partition, fs: (purpose: string, type: Filesystem['type'], label: string | undefined, mountpoint?: string) => Filesystem): VolumeGroup {
  const total = Math.floor((pv.sizeBytes - PE_START_BYTES) / EXTENT_BYTES);
  const ordered = [...spec.volumes.filter((v) => v.mountpoint !== '/'), ...spec.volumes.filter((v) => v.mountpoint === '/')];
  let next = 0;
  const volumes = ordered.map((v): LogicalVolume => {
    const isRoot = v.mountpoint === '/';
    const extents = isRoot ? total - next : extentsFor(v.minBytes);
    const lv: LogicalVolume = {
      name: v.name,
      id: deriveLvmId(seed, `lv-${v.name}`),
      role: isRoot ? 'root' : 'extra',
      device: isRoot ? 'root' : `lv-${v.name}`,
      startExtent: next,
      extents,
      startBytes: pv.startBytes + PE_START_BYTES + next * EXTENT_BYTES,
      sizeBytes: extents * EXTENT_BYTES,
      filesystem: fs(isRoot ? 'root' : `lv-${v.name}`, v.fsType, v.label ?? (isRoot ? 'root' : undefined), v.mountpoint),
    };
    next += extents;
    return lv;
  });
  if (next > total) throw new Error(`volume group ${spec.name}: ${next} extents planned in ${total}`);
  return {
    name: spec.name,
    id: deriveLvmId(seed, `vg-${spec.name}`),
    pvId: deriveLvmId(seed, 'pv'),
    partition: pv.number,
    extentBytes: EXTENT_BYTES,
    peStartBytes: PE_START_BYTES,
    volumes,
  };
}
