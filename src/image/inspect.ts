// Inspection: everything the planner needs to know about the source image, read from the
// container storage without mounting it or running anything from it.
import { readFile } from 'node:fs/promises';
import type { DirMode, ImageFacts, KernelFacts, LayoutFacts, OstreeExtSource, ToolFacts } from './facts.js';
import type { StoredImage } from './storage.js';
import { readInitramfs } from './initramfs.js';
import { LayeredTree } from './layered-tree.js';
import { type Questions, readSystem } from './system.js';
import {
  type InstallConfig,
  embeddedVersion,
  keyFileBoolean,
  mergeInstallConfigs,
  parseDpkgStatus,
  parseKargsFile,
  parseKeyFile,
  parseOsRelease,
} from './parse.js';
import type { Acquired } from './acquire.js';
import type { ImageSource } from './transport.js';
import { TOOL_PATHS } from './tool-paths.js';
import { createdAt, manifestDigest, ociConfig, ociManifest } from './oci-form.js';

/** Directories whose content is never part of a deployment (API filesystems, runtime state). */
export const TRANSIENT_DIRS = ['boot', 'dev', 'proc', 'run', 'sys', 'sysroot', 'tmp'];

const PACKAGES_OF_INTEREST = /^(ostree|cloud-init|cloud-guest-utils|libostree-1-1|grub-common|grub2-common|grub-pc-bin|grub-efi-amd64-bin|grub-efi-amd64-signed|shim-signed|systemd|dracut|bootc|bootupd|deb-bootupd|linux-image-.*)$/;

/** Directories the builder mounts on, binds or copies through, on the host's view of the
 * image tree: a symlink in their place would lead there outside the image. */
export const REAL_DIRECTORIES = ['/dev', '/etc', '/proc', '/run', '/sys', '/sysroot', '/tmp', '/usr', '/var'];

/** Boot files copied onto the ESP from the host's view of the image (mcopy). */
const BOOT_FILES = ['shim', 'grubEfiSigned', 'shimMokManager'] as const;

/** @param questions what the config's checks need to know about paths in the image
 * @param signal stops the initramfs decompressor (an interrupt) */
export async function inspectImage(source: ImageSource, { stored, storage }: Acquired, questions: Questions = { probes: [] }, signal?: AbortSignal): Promise<ImageFacts> {
  const tree = new LayeredTree(stored.layers);
  const [osRelease, kernels, tools, layout, packages, install, prepareRoot, system, bootFiles] = await Promise.all([
    readOsRelease(tree),
    readKernels(tree, signal),
    readTools(tree),
    readLayout(tree),
    readPackages(tree),
    readInstallConfig(tree, stored.arch),
    readPrepareRoot(tree),
    readSystem(tree, questions),
    readBootFiles(tree),
  ]);
  const ostreeVersion = packages.ostree ?? packages['libostree-1-1'] ?? (await readOstreeVersion(tree));
  return {
    ref: source.input,
    source,
    storage,
    id: stored.id,
    digest: stored.digest,
    ...optionalOstreeExt(stored),
    names: stored.names,
    name: stored.name,
    arch: stored.arch,
    sizeBytes: stored.sizeBytes,
    labels: stored.labels,
    osRelease,
    kernels,
    tools,
    bootFiles,
    layout,
    packages,
    ...(ostreeVersion ? { ostreeVersion } : {}),
    kargs: install.kargs,
    rootfsType: install.rootfsType,
    rootfsTypeFrom: install.rootfsTypeFrom,
    installConfig: definedOnly({ stateroot: install.stateroot, rootMountSpec: install.rootMountSpec, bootMountSpec: install.bootMountSpec }),
    prepareRoot,
    system,
  };
}

async function readOsRelease(tree: LayeredTree): Promise<Record<string, string>> {
  const text = (await tree.readText('/usr/lib/os-release')) ?? (await tree.readText('/etc/os-release'));
  return text ? parseOsRelease(text) : {};
}

async function readKernels(tree: LayeredTree, signal?: AbortSignal): Promise<KernelFacts[]> {
  const versions = await tree.list('/usr/lib/modules');
  const kernels = await Promise.all(
    versions.map(async (version): Promise<KernelFacts> => {
      const dir = `/usr/lib/modules/${version}`;
      const initramfs = await tree.lookup(`${dir}/initramfs.img`);
      return {
        version,
        vmlinuz: await tree.exists(`${dir}/vmlinuz`),
        initramfs: initramfs !== undefined,
        ...(initramfs?.stats.isFile()
          ? { initramfsContents: await readInitramfs(initramfs.real, (await tree.readText(`${dir}/modules.builtin`)) ?? '', { signal, shown: `${dir}/initramfs.img` }) }
          : {}),
      };
    }),
  );
  return kernels.filter((k) => k.vmlinuz || k.initramfs);
}

async function readTools(tree: LayeredTree): Promise<ToolFacts> {
  const entries = await Promise.all(
    Object.entries(TOOL_PATHS).map(async ([key, path]) => [key, await tree.exists(path)] as const),
  );
  return Object.fromEntries(entries) as unknown as ToolFacts;
}

/** Where each boot file really is in the image (an image may ship them as links). */
async function readBootFiles(tree: LayeredTree): Promise<Partial<Record<(typeof BOOT_FILES)[number], string>>> {
  const found = await Promise.all(BOOT_FILES.map(async (key) => [key, await tree.canonical(TOOL_PATHS[key])] as const));
  return Object.fromEntries(found);
}

async function readLayout(tree: LayeredTree): Promise<LayoutFacts> {
  const transient: Record<string, DirMode> = {};
  for (const dir of TRANSIENT_DIRS) {
    if ((await tree.list(`/${dir}`)).length > 0) transient[dir] = await dirMode(tree, `/${dir}`);
  }
  return {
    ostreeLink: await tree.readLink('/ostree'),
    sysrootDir: await tree.isDirectory('/sysroot'),
    usrEtc: await tree.exists('/usr/etc'),
    varDir: (await tree.lookup('/var', { nofollow: true }))?.stats.isDirectory() ?? false,
    notDirectories: await notDirectories(tree),
    usr: await dirMode(tree, '/usr'),
    transient,
  };
}

async function notDirectories(tree: LayeredTree): Promise<string[]> {
  const kinds = await Promise.all(REAL_DIRECTORIES.map(async (d) => [d, (await tree.lookup(d, { nofollow: true }))?.stats] as const));
  return kinds.filter(([, stats]) => stats !== undefined && !stats.isDirectory()).map(([d]) => d);
}

async function dirMode(tree: LayeredTree, path: string): Promise<DirMode> {
  const stats = (await tree.lookup(path))?.stats;
  return { mode: (stats?.mode ?? 0o755) & 0o7777, uid: stats?.uid ?? 0, gid: stats?.gid ?? 0 };
}

async function readPackages(tree: LayeredTree): Promise<Record<string, string>> {
  const status = await tree.readText('/var/lib/dpkg/status');
  return status ? parseDpkgStatus(status, (name) => PACKAGES_OF_INTEREST.test(name)) : {};
}

/** The bootc install config, its kargs followed by kargs.d's, as bootc orders them. */
async function readInstallConfig(tree: LayeredTree, arch: string): Promise<InstallConfig> {
  const install = mergeInstallConfigs(await readTomlDir(tree, '/usr/lib/bootc/install'), arch);
  const kargsFiles = await readTomlDir(tree, '/usr/lib/bootc/kargs.d');
  const fromKargsD = kargsFiles.flatMap(({ file, text }) => parseKargsFile(file, text, arch));
  return { ...install, kargs: [...install.kargs, ...fromKargsD] };
}

/**
 * Images that ship an empty /var (as bootc asks) have no dpkg database to say which ostree
 * they carry; its command line tool holds its version string (PACKAGE_VERSION, printed by
 * `ostree --version`) as a NUL-terminated "YYYY.N".
 */
async function readOstreeVersion(tree: LayeredTree): Promise<string | undefined> {
  const ostree = await tree.lookup(TOOL_PATHS.ostree);
  if (!ostree?.stats.isFile()) return undefined;
  return embeddedVersion(await readFile(ostree.real));
}

function definedOnly<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function readTomlDir(tree: LayeredTree, dir: string): Promise<{ file: string; text: string }[]> {
  const names = (await tree.list(dir)).filter((n) => n.endsWith('.toml'));
  const files = await Promise.all(names.map(async (n) => ({ file: `${dir}/${n}`, text: await tree.readText(`${dir}/${n}`) })));
  return files.filter((f): f is { file: string; text: string } => f.text !== undefined);
}

async function readPrepareRoot(tree: LayeredTree): Promise<ImageFacts['prepareRoot']> {
  const text = (await tree.readText('/usr/lib/ostree/prepare-root.conf')) ?? (await tree.readText('/etc/ostree/prepare-root.conf'));
  const conf = text ? parseKeyFile(text) : {};
  return {
    composefs: conf.composefs?.enabled,
    sysrootReadonly: keyFileBoolean(conf.sysroot?.readonly),
  };
}

/** The layers and metadata for an ostree-ext layout, when the storage has all of it. */
function optionalOstreeExt(stored: StoredImage): { ostreeExt?: OstreeExtSource } {
  if (!stored.manifest || !stored.config) return {};
  let descriptors: { digest: string; size?: number }[];
  let stores: Pick<OstreeExtSource, 'manifest' | 'config' | 'created'>;
  try {
    descriptors = (JSON.parse(stored.manifest) as { layers?: { digest: string; size?: number }[] }).layers ?? [];
    const created = createdAt(stored.manifest, stored.config);
    stores = { manifest: ociManifest(stored.manifest), config: ociConfig(stored.config), ...(created ? { created } : {}) };
  } catch {
    return {};
  }
  const bottomFirst = [...stored.layers].reverse();
  if (descriptors.length === 0 || descriptors.length !== bottomFirst.length || bottomFirst.some((l) => !l.tarSplit)) return {};
  const layers = bottomFirst.map((l, i) => ({ digest: descriptors[i]?.digest as string, size: descriptors[i]?.size ?? 0, tarSplit: l.tarSplit as string, dir: l.dir }));
  return { ostreeExt: { manifestDigest: manifestDigest(stored.manifest), ...stores, layers } };
}
