// Reads files of an image straight from its overlay layer directories (top layer first),
// applying overlayfs rules: whiteouts hide lower entries, opaque directories hide lower
// directories, symlinks resolve inside the image root. This is what lets `inspect` and
// `manifest` work without mounting anything, hence without privileges.
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { execa } from 'execa';

export interface TreeEntry {
  /** Real path of the entry in the layer that provides it. */
  real: string;
  stats: Stats;
}

interface Resolved {
  entry: TreeEntry;
  /** For directories: the layer directories merged into it, topmost first. */
  stack?: string[];
}

const MAX_SYMLINKS = 40;
const OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.overlay.opaque'];

export class LayeredTree {
  private readonly dirCache = new Map<string, string[]>();

  /** @param layers layer directories, topmost first */
  constructor(private readonly layers: readonly string[]) {
    this.dirCache.set('', [...layers]);
  }

  /** The entry at `path` (symlinks followed unless `nofollow`), or undefined. */
  async lookup(path: string, options: { nofollow?: boolean } = {}): Promise<TreeEntry | undefined> {
    return (await this.resolve(path, options.nofollow ?? false))?.entry;
  }

  async exists(path: string): Promise<boolean> {
    return (await this.lookup(path)) !== undefined;
  }

  async isDirectory(path: string): Promise<boolean> {
    return (await this.lookup(path))?.stats.isDirectory() ?? false;
  }

  async readText(path: string): Promise<string | undefined> {
    const entry = await this.lookup(path);
    return entry?.stats.isFile() ? readFile(entry.real, 'utf8') : undefined;
  }

  async readLink(path: string): Promise<string | undefined> {
    const entry = await this.lookup(path, { nofollow: true });
    return entry?.stats.isSymbolicLink() ? readlink(entry.real) : undefined;
  }

  /** Names in a merged directory, sorted; empty when it does not exist. */
  async list(path: string): Promise<string[]> {
    const resolved = await this.resolve(path, false);
    if (!resolved?.stack) return [];
    const names = new Set<string>();
    const hidden = new Set<string>();
    for (const layerDir of resolved.stack) {
      for (const name of await readdir(layerDir)) {
        if (hidden.has(name) || names.has(name)) continue;
        if (await isWhiteout(`${layerDir}/${name}`)) hidden.add(name);
        else names.add(name);
      }
    }
    return [...names].sort();
  }

  /** Follows symlinks (inside the image root) until a final entry or nothing is found. */
  private async resolve(path: string, nofollow: boolean): Promise<Resolved | undefined> {
    let parts = split(path);
    for (let hops = 0; hops <= MAX_SYMLINKS; hops++) {
      const step = await this.walk(parts, nofollow);
      if (step === undefined || 'entry' in step) return step;
      parts = step.next;
    }
    return undefined;
  }

  /** One pass over the path: the entry, nothing, or the path to retry after a symlink. */
  private async walk(parts: string[], nofollow: boolean): Promise<Resolved | { next: string[] } | undefined> {
    let stack = this.dirCache.get('') ?? [];
    const top = this.layers[0] ?? '/';
    let entry: TreeEntry = { real: top, stats: await lstat(top) };
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i] as string;
      const found = await topmost(stack, name);
      if (!found) return undefined;
      entry = found.entry;
      const last = i === parts.length - 1;
      if (entry.stats.isSymbolicLink() && !(last && nofollow)) {
        const target = await readlink(entry.real);
        const base = target.startsWith('/') ? [] : parts.slice(0, i);
        return { next: normalize([...base, ...target.split('/'), ...parts.slice(i + 1)]) };
      }
      if (!entry.stats.isDirectory()) return last ? { entry } : undefined;
      const key = parts.slice(0, i + 1).join('/');
      stack = this.dirCache.get(key) ?? (await this.mergeDir(key, stack, found.index, name));
    }
    return { entry, stack };
  }

  /** Layers contributing to directory `name` inside the merged directory `stack`. */
  private async mergeDir(key: string, stack: string[], from: number, name: string): Promise<string[]> {
    const merged: string[] = [];
    const candidates: string[] = [];
    for (const layerDir of stack.slice(from)) {
      const path = `${layerDir}/${name}`;
      const stats = await lstat(path).catch(() => undefined);
      if (!stats) continue;
      if (!stats.isDirectory()) break; // a file or whiteout here hides everything below
      candidates.push(path);
    }
    const opaque = await opaqueDirs(candidates);
    for (const path of candidates) {
      merged.push(path);
      if (opaque.has(path)) break;
    }
    this.dirCache.set(key, merged);
    return merged;
  }
}

async function topmost(stack: string[], name: string): Promise<{ entry: TreeEntry; index: number } | undefined> {
  for (let index = 0; index < stack.length; index++) {
    const real = `${stack[index]}/${name}`;
    const stats = await lstat(real).catch(() => undefined);
    if (!stats) continue;
    if (isWhiteoutStats(stats)) return undefined;
    return { entry: { real, stats }, index };
  }
  return undefined;
}

async function isWhiteout(path: string): Promise<boolean> {
  const stats = await lstat(path).catch(() => undefined);
  return stats ? isWhiteoutStats(stats) : false;
}

function isWhiteoutStats(stats: Stats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0;
}

/** Which of these directories carry overlayfs's opaque marker (one getfattr call). */
async function opaqueDirs(paths: string[]): Promise<Set<string>> {
  if (paths.length < 2) return new Set(); // nothing below to hide
  const result = await execa('getfattr', ['--absolute-names', '-d', '-m', '^(trusted|user)\\.overlay\\.opaque$', ...paths], {
    reject: false,
  });
  const opaque = new Set<string>();
  let current = '';
  for (const line of String(result.stdout).split('\n')) {
    if (line.startsWith('# file: ')) current = line.slice('# file: '.length);
    else if (OPAQUE_XATTRS.some((x) => line.startsWith(`${x}="y"`))) opaque.add(current);
  }
  return opaque;
}

function split(path: string): string[] {
  return normalize(path.split('/'));
}

function normalize(parts: string[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out;
}
