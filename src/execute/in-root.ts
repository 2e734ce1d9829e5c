// Paths inside an untrusted tree (the image, a deployment) are resolved as the kernel's
// openat2(RESOLVE_IN_ROOT) resolves them: symlinks, absolute or relative, and ".." are taken
// against the tree's root, never the host's, so no link an image ships can make the builder
// write outside the tree. (The trees do not change while the build runs, so walking them
// with lstat and readlink is as good as resolving with file descriptors.)
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, readlink, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const MAX_SYMLINKS = 40;

export class LinkLoop extends Error {}

/**
 * The host path of `path` inside `root`. Symlinks are followed inside the root (the last
 * component's too, unless `nofollow`); what does not exist is joined on as written.
 */
export async function resolveInRoot(root: string, path: string, options: { nofollow?: boolean } = {}): Promise<string> {
  let pending = components(path);
  const resolved: string[] = [];
  for (let hops = 0; pending.length > 0; ) {
    const [name, ...rest] = pending as [string, ...string[]];
    pending = rest;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const stats = await lstat(join(root, [...resolved, name])).catch(() => undefined);
    if (stats?.isSymbolicLink() && !(rest.length === 0 && options.nofollow)) {
      if (++hops > MAX_SYMLINKS) throw new LinkLoop(`${path}: too many levels of symbolic links inside ${root}`);
      const target = await readlink(join(root, [...resolved, name]));
      if (target.startsWith('/')) resolved.length = 0;
      pending = [...components(target), ...pending];
      continue;
    }
    resolved.push(name);
  }
  return join(root, resolved);
}

/**
 * Writes `content` to `path` inside `root`: its directories are resolved (and created) inside
 * the root; the file itself is replaced by rename, so a symlink at that name is replaced too,
 * never written through. With `append`, what the name holds now (read inside the root) comes
 * first.
 */
export async function writeFileInRoot(root: string, path: string, content: string, options: { mode: number; append?: boolean }): Promise<void> {
  const file = await resolveInRoot(root, path, { nofollow: true });
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const existing = options.append ? await readInRoot(root, path) : '';
  const before = existing && !existing.endsWith('\n') ? `${existing}\n` : existing;
  const partial = `${dir}/.deb-bootc-image-builder.partial`;
  const handle = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode);
  try {
    await handle.writeFile(before + content);
    await handle.chmod(options.mode);
  } finally {
    await handle.close();
  }
  await rename(partial, file).catch(async (error) => {
    await rm(partial, { force: true });
    throw error;
  });
}

/** The text of a regular file at `path` inside `root` ('' when there is none). */
export async function readInRoot(root: string, path: string): Promise<string> {
  const file = await resolveInRoot(root, path);
  const stats = await lstat(file).catch(() => undefined);
  return stats?.isFile() ? readFile(file, 'utf8') : '';
}

function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function join(root: string, parts: string[]): string {
  return parts.length === 0 ? root : `${root.replace(/\/+$/, '')}/${parts.join('/')}`;
}
