// Reads images straight out of containers-storage (overlay driver) without podman: the image
// list, the layer chain and the image config are JSON files, the layers plain directories.
// Read-only, so inspecting never changes the user's storage and needs no capabilities.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { Layer } from './layered-tree.js';
import { opaqueDirsFromTarSplit, opaqueDirsFromXattrs } from './opaque-dirs.js';
import { imageMatcher, matchedName, matchImages } from './reference.js';

export const DEFAULT_STORAGE = '/var/lib/containers/storage';

/** What the builder needs to know about a stored image. */
export interface StoredImage {
  id: string;
  digest?: string;
  names: string[];
  /** the stored name the reference matched (fully qualified), if it has one */
  name?: string;
  arch: string;
  os: string;
  sizeBytes: number;
  labels: Record<string, string>;
  /** overlay layers, topmost first */
  layers: Layer[];
  /** the image's manifest and config as stored (JSON text) */
  manifest?: string;
  config?: string;
}

interface ImageRecord {
  id: string;
  digest?: string;
  names?: string[];
  layer?: string;
  'big-data-sizes'?: Record<string, number>;
}

interface LayerRecord {
  id: string;
  parent?: string;
  'diff-size'?: number;
}

interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: { Labels?: Record<string, string> | null };
}

/** The image, or a UserError that says how to get it there. */
export async function findStoredImage(ref: string, root = DEFAULT_STORAGE): Promise<StoredImage> {
  const found = await lookupStoredImage(ref, root);
  if (found) return found;
  const empty = ((await readJson<ImageRecord[]>(`${root}/overlay-images/images.json`, root).catch(() => [])) ?? []).length === 0;
  const mount = empty ? ` (it has no images: is the host's storage mounted? -v ${root}:${root})` : '';
  throw new UserError('image-not-found', `image ${ref} is not in the container storage at ${root}${mount}; ${hostFix(ref)}`);
}

/** The host command that puts `name` into the storage the builder reads. */
export function hostFix(name: string): string {
  return name.startsWith('localhost/') ? `build it as root (sudo podman build -t ${name} ...)` : `pull it on the host (sudo podman pull ${name})`;
}

/** The image, or undefined when the storage does not have it (or does not exist at all). */
export async function lookupStoredImage(ref: string, root = DEFAULT_STORAGE): Promise<StoredImage | undefined> {
  if (!existsSync(root)) return undefined;
  const images = await readJson<ImageRecord[]>(`${root}/overlay-images/images.json`, root);
  const matcher = imageMatcher(ref);
  const found = matchImages(images ?? [], matcher);
  if (found.length === 0) return undefined;
  if (found.length > 1) {
    throw new UserError('usage', `${ref} matches ${found.length} images (${found.map((i) => i.id.slice(0, 12)).join(', ')}); give a longer ID or a name`);
  }
  const image = found[0] as ImageRecord;
  const layers = new Map(((await readJson<LayerRecord[]>(`${root}/overlay-layers/layers.json`, root)) ?? []).map((l) => [l.id, l]));
  const chain: LayerRecord[] = [];
  for (let id = image.layer; id; id = layers.get(id)?.parent) {
    const layer = layers.get(id);
    if (!layer) throw new UserError('storage', `the container storage is inconsistent: layer ${id} of image ${ref} is missing`);
    chain.push(layer);
  }
  const configPath = `${root}/overlay-images/${image.id}/${bigDataFile(`sha256:${image.id}`)}`;
  // read once: parsed for the facts, kept as text for the ostree-ext image commit
  const configText = await readStorageText(configPath, root);
  const config = configText === undefined ? {} : parseJson<ImageConfig>(configText, configPath, root);
  const manifest = await readText(`${root}/overlay-images/${image.id}/manifest`);
  return {
    id: image.id,
    digest: image.digest,
    names: image.names ?? [],
    name: matchedName(image, matcher),
    arch: config.architecture ?? 'unknown',
    os: config.os ?? 'linux',
    // as podman counts it: layers plus the image's metadata (config, manifests, signatures)
    sizeBytes: sum(chain.map((l) => l['diff-size'] ?? 0)) + sum(Object.values(image['big-data-sizes'] ?? {})),
    labels: config.config?.Labels ?? {},
    layers: chain.map((l) => storedLayer(root, l.id)),
    ...(manifest ? { manifest } : {}),
    ...(configText ? { config: configText } : {}),
  };
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

function storedLayer(root: string, id: string): Layer {
  const dir = `${root}/overlay/${id}/diff`;
  let opaque: Promise<ReadonlySet<string>> | undefined;
  const tarSplit = `${root}/overlay-layers/${id}.tar-split.gz`;
  return {
    dir,
    id,
    ...(existsSync(tarSplit) ? { tarSplit } : {}),
    opaqueDirs: () =>
      (opaque ??= opaqueDirsFromTarSplit(`${root}/overlay-layers/${id}.tar-split.gz`).then((dirs) => dirs ?? opaqueDirsFromXattrs(dir))),
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** containers-storage keeps an image's "big data" items in files named "=" + base64(key). */
function bigDataFile(key: string): string {
  return `=${Buffer.from(key).toString('base64')}`;
}

async function readJson<T>(path: string, root: string): Promise<T | undefined> {
  const text = await readStorageText(path, root);
  return text === undefined ? undefined : parseJson<T>(text, path, root);
}

/** A file of the storage, undefined when absent, or a UserError that says what is wrong. */
async function readStorageText(path: string, root: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!existsSync(root)) throw new UserError('storage', `there is no container storage at ${root}`);
      if (existsSync(`${root}/vfs-images`)) {
        throw new UserError('storage', `the container storage at ${root} uses the vfs driver; the builder reads overlay storage (podman's default)`);
      }
      return undefined;
    }
    if (code === 'EACCES') throw new UserError('storage', `cannot read the container storage at ${root}: permission denied`);
    throw error;
  }
}

function parseJson<T>(text: string, path: string, root: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UserError('storage', `the container storage at ${root} is damaged: ${path} is not valid JSON`);
  }
}
