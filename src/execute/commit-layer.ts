// One image layer into the ostree repository, as ostree-ext would import it: its tar rebuilt
// from containers-storage and rewritten (filterLayerTar) into a scratch file, which the
// image's ostree then commits. (A file, not a pipe: libarchive reads pipes much slower.)
// A layer ostree cannot store (a device node outside /dev) is the image's problem, said so.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { TruncatedStream } from '../layers/byte-reader.js';
import { filterLayerTar, UnsupportedLayerEntry } from '../layers/layer-filter.js';
import { damagedLayer, layerTar } from '../layers/tar-split.js';
import type { Step } from '../plan/types.js';
import type { Runner } from '../run/runner.js';
import { inRoot } from './buildroot.js';
import { followReads } from './read-position.js';

const CHUNK = 4 * 1024 * 1024;

/** Headers and small files come as many tiny buffers: written one by one they cost a
 * system call (and a thread-pool round trip) each, so they are handed on in big ones. */
async function* coalesce(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= CHUNK) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/** `read` is told how many more bytes of the tar ostree has read, while it commits. */
export async function commitLayer(step: Extract<Step, { kind: 'commit-layer' }>, run: Runner, read?: (bytes: number) => void): Promise<void> {
  let stop = () => {};
  try {
    const tar = filterLayerTar(layerTar(step.tarSplit, step.dir), { retainVar: step.retainVar });
    await pipeline(Readable.from(coalesce(tar)), createWriteStream(step.tar), { signal: run.signal });
    const onSpawn = read ? (group: number) => (stop = followReads(group, basename(step.tar), read)) : undefined;
    await run.run(inRoot('image', step.argv), { where: '(in image)', ...(onSpawn ? { onSpawn } : {}) });
  } catch (error) {
    if (error instanceof UnsupportedLayerEntry) throw new UserError('image-unsupported', `a layer of the image cannot be stored in ostree: ${error.message}`);
    if (error instanceof TruncatedStream) throw damagedLayer(step.dir, `its tar, rebuilt from ${step.tarSplit}, ${error.message}`);
    throw error;
  } finally {
    stop();
    await rm(step.tar, { force: true });
  }
}
