// What an image's initramfs can do at boot: an initramfs is one or more cpio (newc)
// archives, the later ones usually compressed (dracut: gzip, zstd, xz, lz4...). The file
// list answers the questions that decide whether a disk boots: is ostree-prepare-root there,
// and can it mount the root filesystem from the disks clouds and hypervisors present.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { UserError } from '../errors.js';

export interface InitramfsFacts {
  compression: string;
  /** ostree's initramfs part (dracut module "ostree", package ostree-boot) */
  ostreePrepareRoot: boolean;
  /** a copy of prepare-root.conf, read by ostree-prepare-root at boot */
  prepareRootConf: boolean;
  /** libcomposefs, which an ostree-prepare-root built with composefs support links (Debian:
   * ostree 2025.3 and later); without it a composefs-enabled prepare-root.conf fails the boot */
  composefs: boolean;
  /** dracut modules, from the list dracut records in the image */
  dracutModules: string[];
  /** kernel modules that decide which disks and filesystems the initramfs can use */
  kernelModules: Record<string, 'module' | 'builtin' | 'missing'>;
}

/** Kernel modules worth knowing about: the root filesystem and common virtual disks. */
export const MODULES_THAT_MATTER = ['ext4', 'xfs', 'btrfs', 'virtio_blk', 'virtio_scsi', 'nvme', 'ahci', 'sd_mod', 'hv_storvsc', 'vmw_pvscsi', 'xen_blkfront'];

interface CpioListing {
  names: string[];
  files: Map<string, Buffer>;
}

const MAGICS: [string, Buffer, string[]][] = [
  ['gzip', Buffer.from([0x1f, 0x8b]), ['gzip', '-dc']],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), ['zstd', '-dcq']],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), ['xz', '-dc']],
  ['lz4', Buffer.from([0x02, 0x21, 0x4c, 0x18]), ['lz4', '-dc']], // legacy frame, as the kernel and dracut use
  ['lz4', Buffer.from([0x04, 0x22, 0x4d, 0x18]), ['lz4', '-dc']],
  ['bzip2', Buffer.from('BZh'), ['bzip2', '-dc']],
  ['lzma', Buffer.from([0x5d, 0x00, 0x00]), ['xz', '--format=lzma', '-dc']],
];

const WANTED_FILES = ['usr/lib/dracut/modules.txt'];

/** The Debian package of each decompressor, for the message when the builder lacks one. */
const PACKAGES: Record<string, string> = { gzip: 'gzip', zstd: 'zstd', xz: 'xz-utils', lz4: 'lz4', bzip2: 'bzip2' };

export interface ReadOptions {
  /** stops the decompressor (an interrupt) */
  signal?: AbortSignal;
  /** the initramfs's path as the user knows it (in the image), for messages */
  shown?: string;
}

/**
 * @param builtin the kernel's modules.builtin list, from the image's /usr/lib/modules/$KVER
 */
export async function readInitramfs(path: string, builtin: string, options: ReadOptions = {}): Promise<InitramfsFacts> {
  const { listing, compression } = await listInitramfs(await readFile(path), options);
  const names = new Set(listing.names.map((n) => n.replace(/^\.?\//, '')));
  const has = (...candidates: string[]) => candidates.some((c) => names.has(c) || names.has(c.replace(/^usr\//, '')));
  const modulesTxt = listing.files.get('usr/lib/dracut/modules.txt')?.toString() ?? '';
  return {
    compression,
    ostreePrepareRoot: has('usr/lib/ostree/ostree-prepare-root'),
    prepareRootConf: has('usr/lib/ostree/prepare-root.conf', 'etc/ostree/prepare-root.conf'),
    composefs: [...names].some((n) => /(^|\/)libcomposefs\.so/.test(n)),
    dracutModules: modulesTxt.split('\n').map((l) => l.trim()).filter(Boolean),
    kernelModules: Object.fromEntries(MODULES_THAT_MATTER.map((m) => [m, moduleState(m, [...names], builtin)])),
  };
}

function moduleState(name: string, names: string[], builtin: string): 'module' | 'builtin' | 'missing' {
  const file = new RegExp(`/${name.replaceAll('_', '[_-]')}\\.ko(\\.(xz|zst|gz))?$`);
  if (builtin.split('\n').some((line) => file.test(`/${line.trim()}`))) return 'builtin';
  return names.some((n) => n.includes('/modules/') && file.test(n)) ? 'module' : 'missing';
}

/** All archives of an initramfs image: leading uncompressed ones, then the compressed rest. */
export async function listInitramfs(data: Buffer, options: ReadOptions = {}): Promise<{ listing: CpioListing; compression: string }> {
  const listing: CpioListing = { names: [], files: new Map() };
  let offset = 0;
  let compression = 'none';
  while (offset < data.length) {
    while (offset < data.length && data[offset] === 0) offset++;
    if (offset >= data.length) break;
    if (isCpio(data, offset)) {
      offset = parseCpio(data, offset, listing);
      continue;
    }
    const magic = MAGICS.find(([, bytes]) => data.subarray(offset, offset + bytes.length).equals(bytes));
    if (!magic) break;
    compression = magic[0];
    const [tool, ...args] = magic[2] as [string, ...string[]];
    // Decompressors warn about trailing padding; take what they decoded.
    const result = await execa(tool, args, {
      input: data.subarray(offset),
      encoding: 'buffer',
      reject: false,
      maxBuffer: 4 * 1024 ** 3,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    const shown = options.shown ?? 'the initramfs';
    if (options.signal?.aborted) throw options.signal.reason;
    if (result.failed && result.exitCode === undefined && result.code === 'ENOENT') {
      throw new UserError('environment', `${shown} is ${magic[0]}-compressed and the builder has no ${tool}: install ${PACKAGES[tool] ?? tool} in the builder image`);
    }
    // a decompressor stopped half-way leaves a partial listing, which would prove nothing
    if (result.signal) throw new UserError('environment', `${tool} was killed (${result.signal}) while decompressing ${shown}: run the build again`);
    if (result.stdout.length === 0) {
      const why = Buffer.from(result.stderr).toString().trim().split('\n').at(-1) || `exit code ${result.exitCode}`;
      throw new UserError('no-initramfs', `${shown} cannot be decompressed (${tool}: ${why}): rebuild it with dracut`);
    }
    const inner = await listInitramfs(Buffer.from(result.stdout), options);
    listing.names.push(...inner.listing.names);
    for (const [k, v] of inner.listing.files) listing.files.set(k, v);
    break;
  }
  return { listing, compression };
}

function isCpio(data: Buffer, offset: number): boolean {
  const magic = data.subarray(offset, offset + 6).toString('latin1');
  return magic === '070701' || magic === '070702';
}

/** One newc archive from `offset`; returns the offset after its trailer. */
function parseCpio(data: Buffer, offset: number, listing: CpioListing): number {
  const field = (at: number, index: number) => parseInt(data.subarray(at + 6 + index * 8, at + 14 + index * 8).toString('latin1'), 16);
  const align = (n: number) => (n + 3) & ~3;
  let at = offset;
  while (at + 110 <= data.length && isCpio(data, at)) {
    const size = field(at, 6);
    const nameSize = field(at, 11);
    const name = data.subarray(at + 110, at + 110 + nameSize - 1).toString('utf8');
    const body = align(at + 110 + nameSize);
    if (name === 'TRAILER!!!') return align(body + size);
    listing.names.push(name);
    const clean = name.replace(/^\.?\//, '');
    if (WANTED_FILES.includes(clean)) listing.files.set(clean, data.subarray(body, body + size));
    at = align(body + size);
  }
  return at;
}
