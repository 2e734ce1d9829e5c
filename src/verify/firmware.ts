// Which firmware a disk can boot with, read from its partition table: a BIOS boot partition
// for GRUB's BIOS core, an EFI system partition for UEFI. Read through qemu-img, so that
// any format's first sectors are seen as the guest sees them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Runner } from '../run/runner.js';

export const FIRMWARES = ['bios', 'uefi', 'uefi-secure'] as const;
export type Firmware = (typeof FIRMWARES)[number];

const BIOS_BOOT = '21686148-6449-6e6f-744e-656564454649';
const ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const SECTOR = 512;
/** the protective MBR, the GPT header and 128 entries of 128 bytes */
const HEAD_SECTORS = 34;

/** A GUID as written in a GPT entry (first three fields little-endian). */
function guid(bytes: Buffer): string {
  const hex = (b: Buffer) => b.toString('hex');
  const le = (b: Buffer) => hex(Buffer.from(b).reverse());
  return [le(bytes.subarray(0, 4)), le(bytes.subarray(4, 6)), le(bytes.subarray(6, 8)), hex(bytes.subarray(8, 10)), hex(bytes.subarray(10, 16))].join('-');
}

/** The partition type GUIDs of a GPT disk's first sectors; undefined when it has no GPT. */
export function gptTypes(head: Buffer): string[] | undefined {
  const header = head.subarray(SECTOR, 2 * SECTOR);
  if (header.subarray(0, 8).toString('latin1') !== 'EFI PART') return undefined;
  const entriesAt = Number(header.readBigUInt64LE(72));
  const count = header.readUInt32LE(80);
  const size = header.readUInt32LE(84);
  const types: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = entriesAt * SECTOR + i * size;
    if (at + 16 > head.length) break;
    const type = guid(head.subarray(at, at + 16));
    if (type !== '00000000-0000-0000-0000-000000000000') types.push(type);
  }
  return types;
}

/** What the disk's partition table supports: both for the builder's disks. */
export function supportedFirmware(head: Buffer): Firmware[] {
  const types = gptTypes(head);
  if (!types) return head.readUInt16LE(510) === 0xaa55 ? ['bios'] : [];
  return [...(types.includes(BIOS_BOOT) ? (['bios'] as const) : []), ...(types.includes(ESP) ? (['uefi'] as const) : [])];
}

/** The disk's first sectors as the guest would read them. */
export async function readHead(runner: Runner, disk: string, format: string): Promise<Buffer> {
  const dir = await mkdtemp(`${tmpdir()}/dbib-verify-head-`);
  try {
    await runner.run(['qemu-img', 'dd', '-f', format, '-O', 'raw', `bs=${SECTOR}`, `count=${HEAD_SECTORS}`, `if=${disk}`, `of=${dir}/head`]);
    return await readFile(`${dir}/head`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
