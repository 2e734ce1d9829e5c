// Checks of the builder's own environment, made before any work so that a missing
// --privileged or volume is reported as exactly that.
import { constants, existsSync } from 'node:fs';
import { access, mkdir, open, rm, rmdir, stat, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { mountAt } from '../disk/mount.js';
import { UserError } from '../errors.js';
import { BUILDER_MARKER } from '../image/builder-env.js';
import { DEFAULT_STORAGE as STORAGE } from '../image/storage.js';
import { OUTPUT_PATHS } from '../plan/exports.js';
import type { Output } from '../plan/types.js';

/** Everything else needs root; checked first, so that --user shows as exactly that. */
export function checkRoot(uid: number | undefined = process.getuid?.()): void {
  if (uid !== undefined && uid !== 0) {
    throw new UserError('not-privileged', `the builder runs as uid ${uid}: run it as root (drop --user)`);
  }
}

/**
 * Where the builder itself writes inside its container: its run directory and the podman
 * store's run root under /run, podman's state (libpod, volumes) and the builder's store
 * under /var/lib, podman's blob copies in /var/tmp.
 */
export const BUILDER_SCRATCH = ['/run', '/var/lib', '/var/tmp'];

/** `podman run --read-only` leaves /var/lib read-only: refused before anything is written. */
export async function checkBuilderWritable(dirs: readonly string[] = BUILDER_SCRATCH): Promise<void> {
  for (const dir of dirs) {
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) continue;
    const problem = await writeProbe(dir);
    if (problem === 'read-only') {
      throw new UserError('environment', `the builder's filesystem is read-only (${dir} cannot be written; podman run --read-only?): drop --read-only`);
    }
    if (problem) throw new UserError('environment', `the builder cannot write to its own ${dir} (${problem}): run it as root, without --read-only`);
  }
}

/** undefined when `dir` takes a new directory, 'read-only', or the error code. */
async function writeProbe(dir: string): Promise<string | undefined> {
  const readOnly = (code?: string) => code === 'EROFS' || code === 'ENOENT'; // overlayfs may say ENOENT
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return readOnly(code) ? 'read-only' : code;
  }
  const probe = join(dir, `.deb-bootc-image-builder.probe-${process.pid}`);
  try {
    await mkdir(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return undefined;
    return readOnly(code) ? 'read-only' : code;
  }
  await rmdir(probe).catch(() => undefined);
  return undefined;
}

/**
 * The output directory must exist, be writable, and (in the builder container) be the
 * user's: an anonymous volume at /output disappears with the container, artifacts and all.
 */
export async function checkOutputDir(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const stats = await stat(dir).catch(() => undefined);
  if (!stats) throw new UserError('output', `the output directory ${dir} does not exist: create it, or mount one with -v ./output:/output`);
  if (!stats.isDirectory()) throw new UserError('output', `the output path ${dir} is not a directory`);
  await access(dir, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'EROFS' ? 'it is on a read-only filesystem (drop :ro from its -v option)' : 'permission denied';
    throw new UserError('output', `cannot write to the output directory ${dir}: ${why}`);
  });
  if (env[BUILDER_MARKER] === '1' && dir === '/output' && /\/volumes\/[0-9a-f]{64}\/_data$/.test((await mountAt(dir))?.root ?? '')) {
    throw new UserError('output', 'no output directory is mounted, so the artifacts would be lost with the container: add -v ./output:/output to podman run');
  }
}

/** Names of the filesystems a file size limit is likely to come from (statfs f_type). */
const FILESYSTEMS: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x6969: 'NFS',
  0x4d44: 'FAT',
  0x2fc12fc1: 'ZFS',
};

/**
 * The disk image is one sparse file of the full disk size: ext4 (4 KiB blocks) stops at
 * 16 TiB. Probed with a file of that size, which costs no space. `what` names the size as
 * the user gave it ("--size 17 TiB").
 */
export async function checkFileSize(dir: string, bytes: number, what: string): Promise<void> {
  const probe = join(dir, `.deb-bootc-image-builder.size-probe-${process.pid}`);
  let file: FileHandle | undefined;
  try {
    file = await open(probe, 'wx');
    await file.truncate(bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ERR_OUT_OF_RANGE: beyond 2^53 bytes (8 PiB), which Node does not pass to ftruncate
    if (code === 'EFBIG' || code === 'EINVAL' || code === 'ERR_OUT_OF_RANGE') {
      const type = FILESYSTEMS[(await statfs(dir).catch(() => undefined))?.type ?? -1];
      throw new UserError('output', `${what} is larger than the output filesystem allows for one file (${type ? `${type} at ` : ''}${dir}): choose a smaller --size`);
    }
    throw new UserError('output', `cannot create a file in the output directory ${dir} (${code ?? String(error)}): check that it is writable`);
  } finally {
    if (file) {
      await file.close().catch(() => undefined);
      await rm(probe, { force: true });
    }
  }
}

/**
 * Artifacts of an earlier build that this one will not overwrite (a qcow2 beside a new raw):
 * left alone (they are the user's), but they are not what SHA256SUMS describes.
 */
export async function staleArtifacts(dir: string, outputs: readonly Output[]): Promise<string[]> {
  const planned = new Set(outputs.map((o) => o.path));
  const known = [...new Set(Object.values(OUTPUT_PATHS))].filter((path) => !planned.has(path)).sort();
  const present = await Promise.all(known.map(async (path) => ((await stat(join(dir, path)).catch(() => undefined))?.isFile() ? path : undefined)));
  return present.filter((path): path is string => path !== undefined);
}

/** The warning for staleArtifacts' findings. */
export function staleArtifactsWarning(dir: string, stale: readonly string[]): string {
  const them = stale.length === 1 ? 'it' : 'them';
  return `${dir} already holds ${stale.join(', ')} from an earlier build: this build does not replace ${them}, and its SHA256SUMS and build-record.json do not list ${them}; remove ${them} if stale`;
}

/** The build's planned writes must fit before the first byte is written. */
export async function checkFreeSpace(space: { path: string; bytes: number }): Promise<void> {
  const fs = await statfs(space.path);
  const free = fs.bavail * fs.bsize;
  if (free >= space.bytes) return;
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;
  throw new UserError('no-space', `not enough free space in ${space.path}: the build needs about ${gib(space.bytes)}, ${gib(free)} is free`);
}

/** Loop devices, mounts and mknod need root with all capabilities. */
export async function checkPrivileges(imageStorage: string): Promise<void> {
  const hint = 'run the builder as root with podman run --privileged';
  checkRoot();
  if ((await mountAt('/sys'))?.options.includes('ro')) {
    throw new UserError('not-privileged', `the builder is not privileged (/sys is read-only): ${hint}`);
  }
  if (!existsSync('/dev/loop-control')) {
    throw new UserError('not-privileged', `the builder cannot create loop devices (no /dev/loop-control): ${hint}`);
  }
  if (imageStorage === STORAGE && (await access(STORAGE, constants.W_OK).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'EROFS'))) {
    throw new UserError('storage', `building needs the container storage mounted read-write (podman keeps its locks there): drop :ro from -v ${STORAGE}`);
  }
}
