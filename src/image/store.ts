// Where images come from on disk: the user's containers-storage (read only, never written)
// and the builder's own store, into which registries, archives and Docker daemons are
// imported. In the builder container the store is /store (a volume: mount a directory there
// to keep pulled images between runs).
import type { Storage } from './podman.js';
import { DEFAULT_STORAGE } from './storage.js';
import { BUILDER_MARKER } from './builder-env.js';

export const USER_STORAGE: Storage = { root: DEFAULT_STORAGE };

export function builderStore(env: NodeJS.ProcessEnv = process.env): Storage {
  const base = env[BUILDER_MARKER] === '1' ? '/store' : '/var/lib/deb-bootc-image-builder/store';
  return { root: `${base}/containers-storage`, runroot: '/run/deb-bootc-image-builder.store' };
}
