// A layer's original tar, rebuilt from what containers-storage keeps: the tar-split file
// (every header and padding byte, in order, gzip-compressed JSON lines) and the layer's
// directory (the file contents). Byte for byte the tar the layer was made from, without
// podman and without compressing anything.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
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

async function* rebuild(tarSplitPath: string, layerDir: string): AsyncGenerator<Buffer> {
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
    const path = `${layerDir}/${name}`;
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
