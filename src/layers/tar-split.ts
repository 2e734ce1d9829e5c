// A layer's original tar, rebuilt from what containers-storage keeps: the tar-split file
// (every header and padding byte, in order, gzip-compressed JSON lines) and the layer's
// directory (the file contents). Byte for byte the tar the layer was made from, without
// podman and without compressing anything.
import { createReadStream } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors.js';

const SMALL_FILE = 1024 * 1024;

interface Entry {
  type: 1 | 2;
  name?: string;
  name_raw?: string;
  size?: number;
  payload?: string | null;
}

/** What a damaged layer says (a missing or short file, a corrupt tar-split). */
export function damagedLayer(layerDir: string, detail: string): UserError {
  return new UserError('storage', `the layer ${layerDir} in the container storage is damaged: ${detail}: re-pull the image (or build it again)`);
}

export async function* layerTar(tarSplitPath: string, layerDir: string): AsyncGenerator<Buffer> {
  try {
    yield* rebuild(tarSplitPath, layerDir);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (error instanceof SyntaxError) throw damagedLayer(layerDir, `${tarSplitPath} holds a line that is not JSON`);
    if (code?.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') throw damagedLayer(layerDir, `${tarSplitPath} is not valid gzip`);
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      const path = (error as NodeJS.ErrnoException).path ?? '';
      throw damagedLayer(layerDir, `${path.startsWith(`${layerDir}/`) ? path.slice(layerDir.length + 1) : path} is missing or not a file`);
    }
    throw error;
  }
}

/**
 * The host path of a file the tar-split names, read only where it lies inside the layer: its
 * name comes from the image's tar, so no ".." and no symlinked parent may lead elsewhere.
 */
async function contentPath(layerDir: string, name: string, checked: Map<string, string>): Promise<string> {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw damagedLayer(layerDir, `its tar-split names ${JSON.stringify(name)}, which leads outside the layer`);
  const real = async (path: string) => {
    let known = checked.get(path);
    if (known === undefined) checked.set(path, (known = await realpath(path).catch(() => path)));
    return known;
  };
  const within = parts.slice(0, -1).join('/');
  const dir = within ? `${layerDir}/${within}` : layerDir;
  if (within && (await real(dir)) !== `${await real(layerDir)}/${within}`) throw damagedLayer(layerDir, `${name} lies behind a symlink of the layer`);
  return `${dir}/${parts.at(-1) ?? ''}`;
}

async function* rebuild(tarSplitPath: string, layerDir: string): AsyncGenerator<Buffer> {
  const checked = new Map<string, string>();
  const lines = createInterface({ input: createReadStream(tarSplitPath).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const entry = JSON.parse(line) as Entry;
    if (entry.type === 2) {
      if (entry.payload) yield Buffer.from(entry.payload, 'base64');
      continue;
    }
    if (!entry.size) continue;
    const name = entry.name ?? Buffer.from(entry.name_raw ?? '', 'base64').toString('latin1');
    const path = await contentPath(layerDir, name, checked);
    if (entry.size <= SMALL_FILE) {
      // one exact-size read: most files of an image are small
      const content = await readFile(path);
      if (content.length !== entry.size) throw damagedLayer(layerDir, `${name} does not have the ${entry.size} bytes its tar-split records`);
      yield content;
      continue;
    }
    let left = entry.size;
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      const buffer = chunk as Buffer;
      left -= buffer.length;
      yield buffer;
    }
    if (left !== 0) throw damagedLayer(layerDir, `${name} does not have the ${entry.size} bytes its tar-split records`);
  }
}
