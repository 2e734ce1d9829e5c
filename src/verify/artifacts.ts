// What `verify` boots: the artifacts named on the command line, or every artifact of an
// output directory laid out as the builder (and BIB) lays it out. Each is known by its name
// (the builder's own) or else by what qemu-img says it is; the GCE tarball and the OVA are
// unpacked before booting (their disk is inside).
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../errors.js';
import { OUTPUT_PATHS } from '../plan/exports.js';

export type ArtifactKind = 'qcow2' | 'raw' | 'vmdk' | 'vdi' | 'vhd' | 'gce' | 'ova';

export interface Artifact {
  path: string;
  kind: ArtifactKind;
}

/** QEMU's name for each bootable format (the archives are unpacked first). */
export const QEMU_FORMAT: Record<Exclude<ArtifactKind, 'gce' | 'ova'>, string> = {
  qcow2: 'qcow2',
  raw: 'raw',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vpc',
};

const BY_SUFFIX: [RegExp, ArtifactKind][] = [
  [/\.qcow2$/, 'qcow2'],
  [/\.(raw|img)$/, 'raw'],
  [/\.vmdk$/, 'vmdk'],
  [/\.vdi$/, 'vdi'],
  [/\.vhdx?$/, 'vhd'],
  [/\.tar\.gz$/, 'gce'],
  [/\.ova$/, 'ova'],
];

/** The kind a file's name says; undefined when it says none. */
export function kindOf(path: string): ArtifactKind | undefined {
  return BY_SUFFIX.find(([suffix]) => suffix.test(basename(path)))?.[1];
}

/** Every argument as artifacts: files as they are, directories as the builder's layout. */
export async function findArtifacts(args: string[]): Promise<Artifact[]> {
  const found: Artifact[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info) throw new UserError('usage', `${arg}: no such file or directory (give disk images, or the output directory of a build)`);
    if (info.isDirectory()) {
      const inside = await outputDirArtifacts(arg);
      if (inside.length === 0) throw new UserError('usage', `${arg} holds no artifact where a build puts them (${[...new Set(Object.values(OUTPUT_PATHS))].join(', ')})`);
      found.push(...inside);
      continue;
    }
    const kind = kindOf(arg);
    if (!kind) throw new UserError('usage', `${arg}: not a disk image verify knows by its name (.qcow2, .raw, .img, .vmdk, .vdi, .vhd, .tar.gz, .ova)`);
    found.push({ path: arg, kind });
  }
  const seen = new Set<string>();
  return found.filter((a) => !seen.has(a.path) && seen.add(a.path));
}

async function outputDirArtifacts(dir: string): Promise<Artifact[]> {
  const paths = [...new Set(Object.values(OUTPUT_PATHS))];
  const present = await Promise.all(paths.map(async (p) => ((await stat(join(dir, p)).catch(() => undefined))?.isFile() ? join(dir, p) : undefined)));
  return present.filter((p): p is string => p !== undefined).map((path) => ({ path, kind: kindOf(path) as ArtifactKind }));
}
