// Mounting and unmounting. Unmount retries while the filesystem is busy (a just-killed
// process may still hold it) and only then detaches lazily, so an interrupted build never
// leaves a mount behind.
import { mkdir, readFile } from 'node:fs/promises';
import type { Runner } from '../run/runner.js';

const BUSY_RETRIES = 10;
const BUSY_DELAY_MS = 500;

export async function mount(runner: Runner, source: string, target: string, options: string[] = []): Promise<void> {
  await mkdir(target, { recursive: true });
  const argv = options.length > 0 ? ['mount', '-o', options.join(','), source, target] : ['mount', source, target];
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

/** Mount points at or below `path`, from this process's mount table. */
export async function mountsUnder(path: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === path || p.startsWith(`${path}/`)))
    .map((p) => p.replace(/\\040/g, ' '));
}

/** Options of the mount at exactly `path`, or undefined when it is not a mount point. */
export async function mountOptions(path: string): Promise<string[] | undefined> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const line = table.split('\n').findLast((l) => l.split(' ')[4] === path);
  return line?.split(' ')[5]?.split(',');
}

async function isMountPoint(path: string): Promise<boolean> {
  return (await mountsUnder(path)).includes(path);
}
