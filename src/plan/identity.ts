// Deterministic identifiers. UUIDs derive from the image ID and the thing they name, so the
// same image always plans the same disk (diffable manifests, reproducible builds), while two
// different images never share filesystem UUIDs.
import { createHash } from 'node:crypto';

function digest(seed: string, purpose: string): Buffer {
  return createHash('sha256').update(`deb-bootc-image-builder:${seed}:${purpose}`).digest();
}

/** A random-looking (version 4, RFC 4122 variant) UUID derived from seed and purpose. */
export function deriveUuid(seed: string, purpose: string): string {
  const b = digest(seed, purpose).subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A FAT volume serial number (8 hex digits, as mkfs.vfat -i takes it). */
export function deriveVolumeId(seed: string, purpose: string): string {
  return digest(seed, purpose).subarray(0, 4).toString('hex');
}

/** The FAT serial as blkid and fstab spell it: XXXX-XXXX. */
export function fatUuid(volumeId: string): string {
  const v = volumeId.toUpperCase();
  return `${v.slice(0, 4)}-${v.slice(4)}`;
}

const LVM_ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** An LVM2 identifier (32 characters, shown as 6-4-4-4-4-4-6) derived from seed and purpose. */
export function deriveLvmId(seed: string, purpose: string): string {
  const raw = [...digest(seed, `lvm:${purpose}`)].map((b) => LVM_ID_CHARS[b % LVM_ID_CHARS.length]).join('');
  const groups = [6, 4, 4, 4, 4, 4, 6];
  let at = 0;
  return groups.map((n) => raw.slice(at, (at += n))).join('-');
}
