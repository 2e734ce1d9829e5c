// Reads files of an image straight from its overlay layer directories (top layer first),
// applying overlayfs rules: whiteouts hide lower entries, opaque directories hide lower
// directories, symlinks resolve inside the image root. This is what lets `inspect` and
// `manifest` work without mounting anything, hence without privileges.
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { PathFact } from './facts.js';

/** One layer: its directory and the directories it marks opaque (overlayfs "replace"). */
export interface Layer {
  dir: string;
  /** containers-storage layer ID and its tar-split file (the layer's tar headers) */
  id?: string;
  tarSplit?: string;
  /** relative paths ("opt/d", no leading slash) of this layer's opaque directories */
  opaqueDirs(): Promise<ReadonlySet<string>>;
}

export interface TreeEntry {
  /** Real path of the entry in the layer that provides it. */
  real: string;
  stats: Stats;
}

/** A directory as present in one layer. */
interface LayerDir {
  layer: number;
  path: string;
}

interface Resolved {
  entry: TreeEntry;
  /** For directories: the layers' directories merged into it, topmost first. */
  stack?: LayerDir[];
}

const MAX_SYMLINKS = 40;

export class LayeredTree {
  private readonly dirCache = new Map<string, LayerDir[]>();

  /** @param layers topmost first */
  constructor(private readonly layers: readonly Layer[]) {
    this.dirCache.set('', layers.map((l, layer) => ({ layer, path: l.dir })));
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
    for (const { path: layerDir } of resolved.stack) {
      for (const name of await readdir(layerDir)) {
        if (hidden.has(name) || names.has(name)) continue;
        if (await isWhiteout(`${layerDir}/${name}`)) hidden.add(name);
        else names.add(name);
      }
    }
    return [...names].sort();
  }

  /**
   * `path` with every symlink on the way resolved inside the image root: the in-image path
   * a reader must use from outside (where the host would resolve an absolute link against
   * its own root). What does not exist is joined on as written.
   */
  async canonical(path: string): Promise<string> {
    let parts = split(path);
    for (let hops = 0; hops <= MAX_SYMLINKS; hops++) {
      const step = await this.walk(parts, false);
      if (step && 'next' in step) parts = step.next;
      else return `/${parts.join('/')}`;
    }
    return `/${parts.join('/')}`;
  }

  /** What `path` is, as written: the first symlink on the way, and what it leads to. */
  async describe(path: string): Promise<PathFact> {
    const parts = split(path);
    let link: PathFact['link'];
    for (let i = 1; i <= parts.length; i++) {
      const at = `/${parts.slice(0, i).join('/')}`;
      const entry = await this.lookup(at, { nofollow: true });
      if (!entry) break;
      if (entry.stats.isSymbolicLink()) link ??= { at, target: await readlink(entry.real) };
    }
    const final = await this.lookup(path);
    const kind = !final ? 'missing' : final.stats.isDirectory() ? 'directory' : final.stats.isFile() ? 'file' : 'other';
    const parentMissing = parts.length > 1 && !(await this.isDirectory(`/${parts.slice(0, -1).join('/')}`));
    return { kind, ...(link ? { link, canonical: await this.canonical(path) } : {}), ...(parentMissing ? { parentMissing } : {}) };
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
    const top = this.layers[0]?.dir ?? '/';
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

  /**
   * Layers contributing to directory `key` (whose last component is `name`), from the
   * merged parent `stack`: down from the topmost layer that has it, until a layer where it
   * is not a directory (that hides everything below) or a layer that marks it opaque.
   */
  private async mergeDir(key: string, stack: LayerDir[], from: number, name: string): Promise<LayerDir[]> {
    const merged: LayerDir[] = [];
    for (const parent of stack.slice(from)) {
      const path = `${parent.path}/${name}`;
      const stats = await lstat(path).catch(() => undefined);
      if (!stats) continue;
      if (!stats.isDirectory()) break;
      merged.push({ layer: parent.layer, path });
      if ((await (this.layers[parent.layer] as Layer).opaqueDirs()).has(key)) break;
    }
    this.dirCache.set(key, merged);
    return merged;
  }
}

async function topmost(stack: LayerDir[], name: string): Promise<{ entry: TreeEntry; index: number } | undefined> {
  for (let index = 0; index < stack.length; index++) {
    const real = `${(stack[index] as LayerDir).path}/${name}`;
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
