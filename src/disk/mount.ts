// Mounting and unmounting. Unmount retries while the filesystem is busy (a just-killed
// process may still hold it) and only then detaches lazily, so an interrupted build never
// leaves a mount behind.
import { mkdir, readFile } from 'node:fs/promises';
import type { Runner } from '../run/runner.js';

const BUSY_RETRIES = 10;
const BUSY_DELAY_MS = 500;

export async function mount(runner: Runner, source: string, target: string, options: string[] = [], type?: string): Promise<void> {
  await mkdir(target, { recursive: true });
  const argv = ['mount', ...(type ? ['-t', type] : []), ...(options.length > 0 ? ['-o', options.join(',')] : []), source, target];
  await runner.run(argv);
}

export async function unmount(runner: Runner, target: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await runner.run(['umount', target], { okExitCodes: [0, 32] });
    if (result.exitCode === 0 || !(await isMountPoint(target))) return;
    if (attempt >= BUSY_RETRIES) {
      await runner.run(['umount', '--lazy', target]);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, BUSY_DELAY_MS));
  }
}

interface MountInfo {
  /** path of the mounted directory inside its filesystem (for a bind mount, its source) */
  root: string;
  target: string;
  options: string[];
}

/** This process's mount table, paths unescaped (the kernel writes " " as \040 and so on). */
export async function mountTable(): Promise<MountInfo[]> {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      return { root: unescape(f[3] ?? ''), target: unescape(f[4] ?? ''), options: (f[5] ?? '').split(',') };
    });
}

/** Mount points at or below `path`. */
export async function mountsUnder(path: string): Promise<string[]> {
  return (await mountTable()).map((m) => m.target).filter((t) => t === path || t.startsWith(`${path}/`));
}

/** The mount at exactly `path` (the last one, if stacked), or undefined. */
export async function mountAt(path: string): Promise<MountInfo | undefined> {
  return (await mountTable()).findLast((m) => m.target === path);
}

async function isMountPoint(path: string): Promise<boolean> {
  return (await mountsUnder(path)).includes(path);
}
