// How much a filesystem's used space grew since a moment: the progress of work that writes
// into it and says nothing while it runs (ostree commits, podman pulls without a terminal).
import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

const POLL_MS = 500;

async function usedBytes(path: string): Promise<number> {
  const fs = await statfs(path);
  return (fs.blocks - fs.bfree) * fs.bsize;
}

/** Calls `grown` with the growth every half second until the returned stop is called. */
export async function watchGrowth(path: string, grown: (bytes: number) => void): Promise<() => void> {
  // a store not made yet grows on the filesystem that will hold it
  let at = path;
  while (at !== '/' && !(await stat(at).then(() => true, () => false))) at = dirname(at);
  const before = await usedBytes(at).catch(() => undefined);
  if (before === undefined) return () => {};
  const timer = setInterval(() => {
    usedBytes(at).then((now) => grown(Math.max(0, now - before)), () => undefined);
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
