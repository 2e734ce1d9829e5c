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
}

/** /usr/lib/bootc/install/*.toml files, merged in name order as bootc does. */
export function mergeInstallConfigs(files: { file: string; text: string }[], ociArch: string): InstallConfig {
  const merged: InstallConfig = { kargs: [] };
  for (const { file, text } of files) {
    const install = tomlOrError(file, text).install as Record<string, unknown> | undefined;
    if (!install) continue;
    const arches = install['match-architectures'];
    if (arches !== undefined && !stringList(file, arches, 'match-architectures').includes(rustArch(ociArch))) continue;
    const fs = (install.filesystem as Record<string, Record<string, unknown>> | undefined)?.root?.type;
    const legacy = install['root-fs-type'];
    const type = typeof fs === 'string' ? fs : typeof legacy === 'string' ? legacy : undefined;
    if (type !== undefined) Object.assign(merged, { rootfsType: type, rootfsTypeFrom: file });
    if (install.kargs !== undefined) merged.kargs.push(...stringList(file, install.kargs, 'kargs'));
  }
  return merged;
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
