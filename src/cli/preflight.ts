// Checks of the builder's own environment, made before any work so that a missing
// --privileged or volume is reported as exactly that.
import { constants, existsSync } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { mountAt } from '../disk/mount.js';
import { UserError } from '../errors.js';
import { BUILDER_MARKER } from '../image/builder-env.js';
import { DEFAULT_STORAGE as STORAGE } from '../image/storage.js';

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
  if (process.getuid?.() !== 0) throw new UserError('not-privileged', `building a disk needs root: ${hint}`);
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
