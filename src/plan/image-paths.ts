// Where the config's paths meet the image's tree. The image is untrusted: a symlink it
// ships may point anywhere, and a filesystem mounted at a path through one would land
// wherever it points. Each config path is checked against what the image has there
// (inspect answered, links resolved inside the image) before any disk work.
import type { Customizations, NodeSpec } from '../config/customizations.js';
import { ConfigError, type KeyPath } from '../config/source.js';
import type { ImageFacts, PathFact } from '../image/facts.js';

interface Mountpoint {
  path: string;
  at: KeyPath;
}

/** The paths whose shape in the image the checks below need. */
export function configPathQuestions(c: Customizations): string[] {
  return [...mountpoints(c).map((m) => m.path), ...c.files.map((f) => f.path), ...c.directories.map((d) => d.path)];
}

export function checkConfigPaths(c: Customizations, facts: ImageFacts): void {
  const shape = (path: string): PathFact => facts.system.paths[path] ?? { kind: 'missing' };
  const filesystems = mountpoints(c);
  for (const m of filesystems) checkMountpoint(m, shape(m.path));
  for (const f of c.files) checkNode(f, shape(f.path), 'file');
  // a filesystem's mountpoint exists in the deployment whatever the image has there
  const mounted = new Set(filesystems.map((m) => m.path));
  for (const d of c.directories) checkNode(d, shape(d.path), 'directory', d.ensureParents || mounted.has(parentOf(d.path)));
}

function checkMountpoint({ path, at }: Mountpoint, fact: PathFact): void {
  if (fact.link) {
    throw new ConfigError(
      at,
      `${path} goes through the image's symlink ${fact.link.at} -> ${fact.link.target}, and a filesystem mounted through a link would land wherever it points: choose a mountpoint with no link on the way, or remove the link from the image`,
    );
  }
  if (fact.kind === 'file' || fact.kind === 'other') {
    throw new ConfigError(at, `${path} is a file in the image, not a directory: choose another mountpoint, or remove the file from the image`);
  }
}

function checkNode(node: NodeSpec, fact: PathFact, kind: 'file' | 'directory', ensureParents = true): void {
  const where = [...node.at, 'path'];
  if (kind === 'file' && fact.kind === 'directory') {
    throw new ConfigError(where, `${node.path} is a directory in the image: a file cannot replace it; choose another path`);
  }
  if (kind === 'directory' && (fact.kind === 'file' || fact.kind === 'other')) {
    throw new ConfigError(where, `${node.path} is a file in the image: a directory cannot replace it; choose another path`);
  }
  // /var starts empty in a deployment (its tree is made at first boot): links into it may dangle
  const intoVar = fact.canonical === '/var' || fact.canonical?.startsWith('/var/');
  if (fact.parentMissing && fact.link && !intoVar) {
    throw new ConfigError(
      where,
      `${node.path} goes through the image's symlink ${fact.link.at} -> ${fact.link.target}, which leads to nothing there: fix the link in the image, or choose another path`,
    );
  }
  if (kind === 'directory' && !ensureParents && fact.parentMissing && !intoVar && !fact.link) {
    throw new ConfigError(where, `the image has no directory ${parentOf(node.path)}: set ensure_parents = true to create it`);
  }
}

/** Every filesystem mounted below /: extra partitions, logical volumes, btrfs subvolumes. */
function mountpoints(c: Customizations): Mountpoint[] {
  const under = (path: string | undefined) => path !== undefined && path !== '/' && path !== '/boot';
  return [
    ...c.partitions.filter((p) => under(p.mountpoint)).map((p) => ({ path: p.mountpoint as string, at: [...p.at, 'mountpoint'] })),
    ...(c.volumeGroup?.volumes ?? []).filter((v) => under(v.mountpoint)).map((v) => ({ path: v.mountpoint as string, at: [...v.at, 'mountpoint'] })),
    ...(c.root?.subvolumes ?? []).filter((v) => under(v.mountpoint)).map((v) => ({ path: v.mountpoint, at: [...v.at, 'mountpoint'] })),
  ];
}

function parentOf(path: string): string {
  return path.replace(/\/[^/]+\/*$/, '') || '/';
}
