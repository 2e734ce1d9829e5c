// Checks of the builder's own environment, made before any work so that a missing
// --privileged or volume is reported as exactly that.
import { constants, existsSync } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { mountAt } from '../disk/mount.js';
import { UserError } from '../errors.js';
import { DEFAULT_STORAGE as STORAGE } from '../image/storage.js';

/** Set by the builder image (Containerfile ENV); unset when the CLI runs on a host. */
export const BUILDER_MARKER = 'DEB_BOOTC_IMAGE_BUILDER_CONTAINER';

/**
 * In the builder container, images come from the host's storage mounted at STORAGE. Without
 * the mount, STORAGE is an empty volume (the image declares it), so look for images in it.
 */
export async function checkStorageMounted(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env[BUILDER_MARKER] !== '1') return;
  const images = await readFile(`${STORAGE}/overlay-images/images.json`, 'utf8').catch(() => '[]');
  if ((JSON.parse(images) as unknown[]).length > 0) return;
  throw new UserError(
    'environment',
    `the builder sees no container storage with images: add -v ${STORAGE}:${STORAGE} to podman run`,
  );
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

/** Loop devices, mounts and mknod need root with all capabilities. */
export async function checkPrivileges(): Promise<void> {
  const hint = 'run the builder as root with podman run --privileged';
  if (process.getuid?.() !== 0) throw new UserError('environment', `building a disk needs root: ${hint}`);
  if ((await mountAt('/sys'))?.options.includes('ro')) {
    throw new UserError('environment', `the builder is not privileged (/sys is read-only): ${hint}`);
  }
  if (!existsSync('/dev/loop-control')) {
    throw new UserError('environment', `the builder cannot create loop devices (no /dev/loop-control): ${hint}`);
  }
  if (await access(STORAGE, constants.W_OK).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'EROFS')) {
    throw new UserError('environment', `building needs the container storage mounted read-write (podman keeps its locks there): drop :ro from -v ${STORAGE}`);
  }
}
