// Parsers for the small configuration files a bootc image carries. Pure: text in, data out.
import { parse as parseToml } from 'smol-toml';
import { UserError } from '../errors.js';

/** os-release(5): KEY=value lines, values optionally quoted. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const raw = m[2] as string;
    out[m[1] as string] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return out;
}

/** Versions of installed packages from /var/lib/dpkg/status, for the names asked. */
export function parseDpkgStatus(text: string, wanted: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const stanza of text.split(/\n\n+/)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1];
    const name = field('Package');
    const version = field('Version');
    if (name && version && wanted(name) && field('Status')?.endsWith(' installed')) out[name] = version;
  }
  return out;
}

/** GKeyFile-style [group] key=value text (ostree's prepare-root.conf). */
export function parseKeyFile(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let group: Record<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) out[header[1] as string] = group = out[header[1] as string] ?? {};
    else if (group && line.includes('=')) {
      const at = line.indexOf('=');
      group[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return out;
}

export function keyFileBoolean(value: string | undefined): boolean {
  return value !== undefined && ['true', 'yes', '1'].includes(value.toLowerCase());
}

/** OCI architecture names as bootc/Rust spell them in match-architectures. */
export function rustArch(ociArch: string): string {
  const map: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', ppc64le: 'powerpc64', '386': 'x86' };
  return map[ociArch] ?? ociArch;
}

/** One /usr/lib/bootc/kargs.d/*.toml file: its kargs when they apply to `arch`. */
export function parseKargsFile(file: string, text: string, ociArch: string): string[] {
  const doc = tomlOrError(file, text);
  const kargs = stringList(file, doc.kargs, 'kargs');
  const arches = doc['match-architectures'];
  if (arches === undefined) return kargs;
  return stringList(file, arches, 'match-architectures').includes(rustArch(ociArch)) ? kargs : [];
}

export interface InstallConfig {
  rootfsType?: string;
  /** the file the root filesystem type came from */
  rootfsTypeFrom?: string;
  kargs: string[];
  stateroot?: string;
  rootMountSpec?: string;
  bootMountSpec?: string;
}

/** What bootc's InstallConfiguration accepts (crates/lib/src/install/config.rs: serde
 * kebab-case with deny_unknown_fields, so anything else makes bootc refuse the image). */
const INSTALL_KEYS = new Set([
  'root-fs-type', 'block', 'filesystem', 'kargs', 'match-architectures', 'ostree', 'stateroot',
  'root-mount-spec', 'boot-mount-spec', 'bootupd', 'bootloader',
]);

/**
 * /usr/lib/bootc/install/*.toml files, merged in name order as bootc merges them
 * (install/config.rs, `Mergeable for InstallConfiguration`): a file whose
 * match-architectures leaves this architecture out is skipped whole; later files override
 * single values; kargs accumulate. Then `canonicalize`: [install.filesystem.root] type wins
 * over the older root-fs-type, whichever file each came from.
 */
export function mergeInstallConfigs(files: { file: string; text: string }[], ociArch: string): InstallConfig {
  const merged: InstallConfig = { kargs: [] };
  let legacyType: { type: string; file: string } | undefined;
  let canonicalType: { type: string; file: string } | undefined;
  for (const { file, text } of files) {
    const doc = tomlOrError(file, text);
    const unknownTop = Object.keys(doc).find((k) => k !== 'install');
    if (unknownTop) throw new UserError('image-unsupported', `the image's ${file}: unknown table "${unknownTop}" (bootc accepts only [install]): remove it`);
    const install = doc.install as Record<string, unknown> | undefined;
    if (!install) continue;
    const unknown = Object.keys(install).find((k) => !INSTALL_KEYS.has(k));
    if (unknown) throw new UserError('image-unsupported', `the image's ${file}: unknown key install.${unknown} (bootc refuses the file): remove or rename it`);
    const arches = install['match-architectures'];
    if (arches !== undefined && !stringList(file, arches, 'match-architectures').includes(rustArch(ociArch))) continue;
    const fs = (install.filesystem as Record<string, Record<string, unknown>> | undefined)?.root?.type;
    if (typeof fs === 'string') canonicalType = { type: fs, file };
    if (typeof install['root-fs-type'] === 'string') legacyType = { type: install['root-fs-type'], file };
    if (install.kargs !== undefined) merged.kargs.push(...stringList(file, install.kargs, 'kargs'));
    for (const [key, field] of [['stateroot', 'stateroot'], ['root-mount-spec', 'rootMountSpec'], ['boot-mount-spec', 'bootMountSpec']] as const) {
      const value = install[key];
      if (value === undefined) continue;
      if (typeof value !== 'string') throw new UserError('image-unsupported', `the image's ${file}: install.${key} must be a string`);
      merged[field] = value;
    }
  }
  const type = canonicalType ?? legacyType;
  return type ? { ...merged, rootfsType: type.type, rootfsTypeFrom: type.file } : merged;
}

/** The "YYYY.N" version string a program carries NUL-terminated (ostree's PACKAGE_VERSION,
 * which `ostree --version` prints). */
export function embeddedVersion(binary: Buffer): string | undefined {
  return /\0(20\d\d\.\d{1,2})\0/.exec(binary.toString('latin1'))?.[1];
}

function tomlOrError(file: string, text: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UserError('image-unsupported', `the image's ${file} is not valid TOML: ${why}`);
  }
}

function stringList(file: string, value: unknown, key: string): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new UserError('image-unsupported', `the image's ${file}: "${key}" must be a list of strings`);
}
