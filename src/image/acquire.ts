// Bringing the user's image to where the builder can read it. Images in the user's
// containers-storage are read in place (never written); registries, archives, OCI layouts
// and Docker daemons are imported into the builder's own store. The pull policy decides when
// the network may be used: a bare name is looked for locally first.
import { access, readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { watchGrowth } from '../run/growth.js';
import { meter } from '../run/meter.js';
import type { Reporter } from '../run/reporter.js';
import type { Runner } from '../run/runner.js';
import { findAuthFile } from './auth.js';
import { exportFromDaemon } from './docker-daemon.js';
import { Podman, type Storage } from './podman.js';
import { pullError } from './pull-errors.js';
import { type StoredImage, findStoredImage, hostFix, lookupStoredImage } from './storage.js';
import { isImageId } from './reference.js';
import { type ImageSource, transportRef } from './transport.js';

export const PULL_POLICIES = ['missing', 'always', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export interface AcquireContext {
  runner: Runner;
  reporter: Reporter;
  pull: PullPolicy;
  tlsVerify: boolean;
  env: NodeJS.ProcessEnv;
  userStorage: Storage;
  store: Storage;
  /** OCI name of the architecture the builder runs on */
  hostArch: string;
}

export interface Acquired {
  stored: StoredImage;
  storage: Storage;
}

export async function acquireImage(source: ImageSource, ctx: AcquireContext): Promise<Acquired> {
  switch (source.kind) {
    case 'containers-storage':
      return { stored: await findStoredImage(source.name, ctx.userStorage.root), storage: ctx.userStorage };
    case 'local':
      return fromLocalOrRegistry(source.name, ctx);
    case 'docker':
      return fromRegistry(source.name, source.input, ctx);
    case 'docker-daemon':
      return fromDaemon(source.name, ctx);
    default:
      return fromPath(source, ctx);
  }
}

/**
 * A bare name: the user's storage, then the builder's store, then the registry. localhost/
 * names are what podman gives locally built images: they are never pulled.
 */
async function fromLocalOrRegistry(name: string, ctx: AcquireContext): Promise<Acquired> {
  // an image ID names no repository: there is nothing to pull
  if (isImageId(name)) {
    for (const storage of [ctx.userStorage, ctx.store]) {
      const stored = await lookupStoredImage(name, storage.root);
      if (stored) return { stored, storage };
    }
    throw new UserError('image-not-found', `no image with ID ${name} in the container storage at ${ctx.userStorage.root}: see sudo podman images --no-trunc on the host, or give the image's name`);
  }
  if (ctx.pull !== 'always' || name.startsWith('localhost/')) {
    const local = await lookupStoredImage(name, ctx.userStorage.root);
    if (local) return { stored: local, storage: ctx.userStorage };
    if (name.startsWith('localhost/')) return { stored: await findStoredImage(name, ctx.userStorage.root), storage: ctx.userStorage };
  }
  if (ctx.pull === 'never') {
    const cached = await lookupStoredImage(name, ctx.store.root);
    if (cached) return { stored: cached, storage: ctx.store };
    throw new UserError(
      'image-not-found',
      `image ${name} is not in the container storage at ${ctx.userStorage.root}, and --pull=never forbids pulling it: ${hostFix(name)}, or give an archive (oci-archive:PATH)`,
    );
  }
  return fromRegistry(name, name, ctx);
}

async function fromRegistry(name: string, shown: string, ctx: AcquireContext): Promise<Acquired> {
  if (ctx.pull !== 'always') {
    const cached = await lookupStoredImage(name, ctx.store.root);
    if (cached) return { stored: cached, storage: ctx.store };
  }
  if (ctx.pull === 'never') {
    throw new UserError('image-not-found', `${shown} is not in the builder's store, and --pull=never forbids pulling it: pull it without --pull=never, or give an archive (oci-archive:PATH)`);
  }
  const ref = `docker://${name}`;
  ctx.reporter.progress(`Pulling ${shown}`);
  const id = await importWith(shown, ctx, () =>
    new Podman(ctx.runner).pull(ctx.store, ref, {
      authFile: findAuthFile(ctx.env),
      tlsVerify: ctx.tlsVerify,
      onProgress: progress(ctx.reporter),
    }),
  );
  return { stored: await findStoredImage(id, ctx.store.root), storage: ctx.store };
}

async function fromDaemon(name: string, ctx: AcquireContext): Promise<Acquired> {
  const archive = await exportFromDaemon(name, ctx.env);
  ctx.reporter.progress(`Loading docker-daemon:${name} from the daemon`);
  const loaded = await importWith(`docker-daemon:${name}`, ctx, () => new Podman(ctx.runner).load(ctx.store, archive, progress(ctx.reporter)), 'source');
  return { stored: await findStoredImage(loaded, ctx.store.root), storage: ctx.store };
}

async function fromPath(source: Extract<ImageSource, { path: string }>, ctx: AcquireContext): Promise<Acquired> {
  await access(source.path).catch(() => {
    throw new UserError('image-not-found', `${source.input}: there is no ${source.path} in the builder: mount it, e.g. -v ${source.path}:${source.path}:ro`);
  });
  if (source.kind === 'oci') checkArchitecture(source.input, await ociLayoutArchitecture(source.path, source.reference), ctx.hostArch);
  const ref = transportRef(source);
  ctx.reporter.progress(`Importing ${source.input}`);
  const id = await importWith(source.input, ctx, () => new Podman(ctx.runner).pull(ctx.store, ref, { tlsVerify: true, onProgress: progress(ctx.reporter) }), 'source');
  return { stored: await findStoredImage(id, ctx.store.root), storage: ctx.store };
}

/** podman's progress lines, indented, digests shortened as podman shows image IDs. */
function progress(reporter: Reporter): (line: string) => void {
  return (line) => {
    const text = line.replace(/^time="[^"]*" level=(\w+) msg="(.*)"$/, '$1: $2').replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/g, '$1');
    reporter.progress(`  ${text}`);
  };
}

/** Runs an import, turning podman's failure into a message about the source. */
async function importWith(shown: string, ctx: AcquireContext, run: () => Promise<string>, from: 'registry' | 'source' = 'registry'): Promise<string> {
  // podman reports no byte counts without a terminal: the store's growth is the measure
  const stored = meter(ctx.reporter, 0, from === 'registry' ? 'pull' : 'import', undefined);
  const stop = await watchGrowth(ctx.store.root, stored.set);
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof UserError && error.id === 'build-failed')) throw error;
    if (from === 'registry') throw pullError(shown, error.message);
    const why = error.message.split(': ').slice(1).join(': ').replace(/^.*?Error: /, '');
    throw new UserError('source-unavailable', `${shown}: podman cannot read it (${why})`);
  } finally {
    stop();
  }
}

/** The architecture an OCI layout's image is for, read before importing anything. */
async function ociLayoutArchitecture(dir: string, reference?: string): Promise<string | undefined> {
  try {
    const read = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
    const blob = (digest: string) => read(`${dir}/blobs/${digest.replace(':', '/')}`);
    const index = await read(`${dir}/index.json`);
    type Entry = { digest: string; annotations?: Record<string, string> };
    const entries = index.manifests as Entry[];
    const entry = reference ? entries.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === reference) : entries[0];
    const manifest = entry && (await blob(entry.digest));
    return manifest?.config ? (await blob(manifest.config.digest)).architecture : undefined;
  } catch {
    return undefined; // podman's import will say what is wrong with the layout
  }
}

export function checkArchitecture(what: string, arch: string | undefined, hostArch: string): void {
  if (arch === undefined || (arch === 'amd64' && hostArch === 'amd64')) return;
  throw new UserError('arch-mismatch', `${what} is built for ${arch} and this builder runs on ${hostArch}; it makes amd64 (x86_64) disks from amd64 images, on amd64`);
}

