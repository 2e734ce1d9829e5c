// Which directories of a layer are opaque (replace what lower layers have there).
// containers-storage keeps each layer's original tar listing (tar-split), where an opaque
// directory shows up as a ".wh..wh..opq" entry: readable with no capabilities at all. The
// overlay xattrs say the same but trusted.* needs CAP_SYS_ADMIN, so they are only the
// fallback for layers stored without tar-split.
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { execa } from 'execa';
import { UserError } from '../errors.js';

const OPAQUE_MARKER = '.wh..wh..opq';

/** Opaque directories from a layer's tar-split file; undefined when there is none. */
export async function opaqueDirsFromTarSplit(path: string): Promise<Set<string> | undefined> {
  let compressed: Buffer;
  try {
    compressed = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const dirs = new Set<string>();
  const text = (await promisify(gunzip)(compressed)).toString();
  for (const line of text.split('\n')) {
    if (!line.includes(OPAQUE_MARKER)) continue;
    const name = (JSON.parse(line) as { name?: string }).name;
    if (name?.endsWith(OPAQUE_MARKER)) dirs.add(normalizeName(name.slice(0, -OPAQUE_MARKER.length)));
  }
  return dirs;
}

/** Opaque directories from overlay xattrs on a layer directory (needs CAP_SYS_ADMIN for trusted.*). */
export async function opaqueDirsFromXattrs(layerDir: string): Promise<Set<string>> {
  const result = await execa('getfattr', ['-R', '--absolute-names', '-d', '-m', '^(trusted|user)\\.overlay\\.opaque$', layerDir], {
    reject: false,
  });
  if (result.failed && result.exitCode === undefined) {
    throw new UserError('environment', 'getfattr is needed to read this image (install the attr package)');
  }
  const dirs = new Set<string>();
  let current = '';
  for (const line of String(result.stdout).split('\n')) {
    if (line.startsWith('# file: ')) current = line.slice('# file: '.length);
    else if (/^(trusted|user)\.overlay\.opaque="y"$/.test(line)) dirs.add(normalizeName(current.slice(layerDir.length)));
  }
  return dirs;
}

function normalizeName(name: string): string {
  return name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}
