// Checks of the builder's own environment, made before any work so that a missing
// --privileged or volume is reported as exactly that.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { mountOptions } from '../disk/mount.js';
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

/** Loop devices, mounts and mknod need root with all capabilities. */
export async function checkPrivileges(): Promise<void> {
  const hint = 'run the builder as root with podman run --privileged';
  if (process.getuid?.() !== 0) throw new UserError('environment', `building a disk needs root: ${hint}`);
  if ((await mountOptions('/sys'))?.includes('ro')) {
    throw new UserError('environment', `the builder is not privileged (/sys is read-only): ${hint}`);
  }
  if (!existsSync('/dev/loop-control')) {
    throw new UserError('environment', `the builder cannot create loop devices (no /dev/loop-control): ${hint}`);
  }
}
