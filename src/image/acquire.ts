// Bringing the user's image to where the builder can read it. Images in the user's
// containers-storage are read in place (never written); registries, archives, OCI layouts
// and Docker daemons are imported into the builder's own store. The pull policy decides when
// the network may be used: a bare name is looked for locally first.
import { access } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { Reporter } from '../run/reporter.js';
import type { Runner } from '../run/runner.js';
import { findAuthFile } from './auth.js';
import { exportFromDaemon } from './docker-daemon.js';
import { Podman, type Storage } from './podman.js';
import { pullError } from './pull-errors.js';
import { type StoredImage, findStoredImage, hostFix, lookupStoredImage } from './storage.js';
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

/** A bare name: the user's storage, then the builder's store, then the registry. */
async function fromLocalOrRegistry(name: string, ctx: AcquireContext): Promise<Acquired> {
  if (ctx.pull !== 'always') {
    const local = await lookupStoredImage(name, ctx.userStorage.root);
    if (local) return { stored: local, storage: ctx.userStorage };
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
  const id = await importWith(shown, ctx, () =>
    new Podman(ctx.runner).pull(ctx.store, ref, {
      authFile: findAuthFile(ctx.env),
      tlsVerify: ctx.tlsVerify,
      onProgress: (line) => ctx.reporter.progress(`${shown}: ${line}`),
    }),
  );
  return { stored: await findStoredImage(id, ctx.store.root), storage: ctx.store };
}

async function fromDaemon(name: string, ctx: AcquireContext): Promise<Acquired> {
  const archive = await exportFromDaemon(name, ctx.env);
  ctx.reporter.progress(`docker-daemon:${name}: loading the image from the daemon`);
  const loaded = await importWith(`docker-daemon:${name}`, ctx, () => new Podman(ctx.runner).load(ctx.store, archive));
  return { stored: await findStoredImage(loaded, ctx.store.root), storage: ctx.store };
}

async function fromPath(source: Extract<ImageSource, { path: string }>, ctx: AcquireContext): Promise<Acquired> {
  await access(source.path).catch(() => {
    throw new UserError('image-not-found', `${source.input}: there is no ${source.path} in the builder: mount it, e.g. -v ${source.path}:${source.path}:ro`);
  });
  const ref = transportRef(source);
  const id = await importWith(source.input, ctx, () =>
    new Podman(ctx.runner).pull(ctx.store, ref, { tlsVerify: true, onProgress: (line) => ctx.reporter.progress(`${source.input}: ${line}`) }),
  );
  return { stored: await findStoredImage(id, ctx.store.root), storage: ctx.store };
}

/** Runs an import, turning podman's failure into a message about the source. */
async function importWith(shown: string, ctx: AcquireContext, run: () => Promise<string>): Promise<string> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UserError && error.id === 'build-failed') throw pullError(shown, error.message);
    throw error;
  }
}

