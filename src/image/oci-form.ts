// An image's manifest and config in the form bootc's ostree-ext stores them in the image
// commit (ostree.manifest, ostree.container.image-config; container/store.rs): as the
// containers-image-proxy hands them over, i.e. converted to OCI (a Docker schema 2 manifest
// becomes an OCI one), parsed into oci-spec's structs (fields outside the OCI specification
// are dropped) and written as canonical JSON (`to_canon_json_string`: olpc-cjson, keys in
// code point order, no whitespace, only `"` and `\` escaped). Its digest is the one of the
// manifest as stored, the per-platform manifest even when a manifest list was pulled.
import { createHash } from 'node:crypto';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Docker schema 2 media types and their OCI counterparts (containers/image manifest/oci.go). */
const OCI_MEDIA_TYPES: Record<string, string> = {
  'application/vnd.docker.distribution.manifest.v2+json': 'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.container.image.v1+json': 'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
};

const DESCRIPTOR = ['mediaType', 'digest', 'size', 'urls', 'annotations', 'data', 'artifactType', 'platform'];
const MANIFEST = ['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers', 'subject', 'annotations'];
const CONFIG = ['created', 'author', 'architecture', 'os', 'os.version', 'os.features', 'variant', 'config', 'rootfs', 'history'];
const RUNTIME = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped'];
const ROOTFS = ['type', 'diff_ids'];
const HISTORY = ['created', 'author', 'created_by', 'comment', 'empty_layer'];

export function manifestDigest(stored: string): string {
  return `sha256:${createHash('sha256').update(stored).digest('hex')}`;
}

export function ociManifest(stored: string): string {
  const manifest = JSON.parse(stored) as { [key: string]: Json };
  const descriptor = (d: Json) => convertMediaType(pick(d, DESCRIPTOR));
  const layers = Array.isArray(manifest.layers) ? manifest.layers.map(descriptor) : manifest.layers;
  return canonicalJson(convertMediaType({ ...pick(manifest, MANIFEST), config: descriptor(manifest.config ?? null), ...(layers ? { layers } : {}) }));
}

export function ociConfig(stored: string): string {
  const config = JSON.parse(stored) as { [key: string]: Json };
  const out = pick(config, CONFIG);
  if (isObject(config.config)) out.config = pick(config.config, RUNTIME);
  if (isObject(config.rootfs)) out.rootfs = pick(config.rootfs, ROOTFS);
  if (Array.isArray(config.history)) out.history = config.history.map((h) => pick(h, HISTORY));
  return canonicalJson(out);
}

/** The image's creation time, as ostree-ext takes it: the manifest's annotation, else the config's. */
export function createdAt(manifest: string, config: string): number | undefined {
  const annotation = (JSON.parse(manifest) as { annotations?: Record<string, string> }).annotations?.['org.opencontainers.image.created'];
  const time = Date.parse(annotation ?? (JSON.parse(config) as { created?: string }).created ?? '');
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}

/** olpc-cjson: objects with sorted keys, no insignificant whitespace, only " and \ escaped
 * (a NUL, which no command line can carry, stays escaped). */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`canonical JSON has no floating point numbers: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replaceAll('\0', '\\u0000')}"`;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(value[k] as Json)}`).join(',')}}`;
}

function byCodePoint(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The keys an oci-spec struct has (absent and null ones left out, as its serializer does). */
function pick(value: Json, keys: string[]): { [key: string]: Json } {
  if (!isObject(value)) return {};
  return Object.fromEntries(keys.filter((k) => value[k] !== undefined && value[k] !== null).map((k) => [k, value[k] as Json]));
}

function convertMediaType(value: { [key: string]: Json }): { [key: string]: Json } {
  const type = value.mediaType;
  return typeof type === 'string' && OCI_MEDIA_TYPES[type] ? { ...value, mediaType: OCI_MEDIA_TYPES[type] } : value;
}
