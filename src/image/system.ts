// What an image offers to customizations: accounts, shells, generated locales, keymaps,
// a baked-in build config, and answers to path questions the config raises. Read from the
// layered image tree, like everything inspect does.
import { readFile } from 'node:fs/promises';
import type { Account, GroupEntry, SystemFacts } from './facts.js';
import type { LayeredTree } from './layered-tree.js';

const BAKED_CONFIGS = ['/usr/lib/bootc-image-builder/config.toml', '/usr/lib/bootc-image-builder/config.json'];

/** What the config asks of the image: paths whose existence, and paths whose shape, its checks
 * need (the latter may depend on a config baked into the image). */
export interface Questions {
  probes: readonly string[];
  paths?: (baked?: { path: string; text: string }) => readonly string[];
}

export async function readSystem(tree: LayeredTree, { probes, paths }: Questions): Promise<SystemFacts> {
  const [passwd, group, shells, locales, xkbLayouts, baked, keyboardDefaults] = await Promise.all([
    tree.readText('/etc/passwd'),
    tree.readText('/etc/group'),
    tree.readText('/etc/shells'),
    readLocales(tree),
    tree.list('/usr/share/X11/xkb/symbols'),
    readBaked(tree),
    tree.readText('/etc/default/keyboard'),
  ]);
  const answers = await Promise.all(probes.map(async (p) => [p, await tree.exists(p)] as const));
  const shapes = await Promise.all((paths?.(baked) ?? []).map(async (p) => [p, await tree.describe(p)] as const));
  return {
    users: parseColonFile(passwd).map((f): Account => ({ name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '', shell: f[6] ?? '' })),
    groups: parseColonFile(group).map((f): GroupEntry => ({ name: f[0] ?? '', gid: Number(f[2]) })),
    shells: (shells ?? '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/')),
    locales,
    xkbLayouts,
    ...(keyboardDefaults === undefined ? {} : { keyboardDefaults }),
    probes: Object.fromEntries(answers),
    paths: Object.fromEntries(shapes),
    ...(baked ? { bakedConfig: baked } : {}),
  };
}

function parseColonFile(text: string | undefined): string[][] {
  return (text ?? '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

/** "de_DE.UTF-8" and "de_DE.utf8" name the same locale; glibc stores the latter. */
export function normalizeLocale(name: string): string {
  const m = /^([^.@]+)(?:\.([^@]+))?(@.+)?$/.exec(name);
  if (!m) return name;
  const codeset = m[2]?.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `${m[1]}${codeset ? `.${codeset}` : ''}${m[3] ?? ''}`;
}

async function readLocales(tree: LayeredTree): Promise<string[]> {
  const dirs = (await tree.list('/usr/lib/locale')).filter((n) => n !== 'locale-archive');
  const archive = await tree.lookup('/usr/lib/locale/locale-archive');
  // The archive's string table holds the locale names; pick out the ones that look like names.
  const inArchive = archive?.stats.isFile()
    ? ((await readFile(archive.real)).toString('latin1').match(/[a-z]{2,3}(?:_[A-Z]{2})?\.(?:utf8|[a-z]+\d+[a-z0-9]*)(?:@[a-z]+)?(?=\0)/g) ?? [])
    : [];
  return [...new Set([...dirs, ...inArchive].map(normalizeLocale))].sort();
}

async function readBaked(tree: LayeredTree): Promise<{ path: string; text: string } | undefined> {
  for (const path of BAKED_CONFIGS) {
    const text = await tree.readText(path);
    if (text !== undefined) return { path, text };
  }
  return undefined;
}
