// Observations of the host that tests assert on: loop devices, mounts, processes.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** `losetup -a` lines that mention `text` (a backing file path or part of it). */
export async function loopDevicesFor(text: string): Promise<string[]> {
  const { stdout } = await execa('losetup', ['-a']);
  return stdout.split('\n').filter((l) => l.includes(text));
}

/** Lines of /proc/mounts that mention `text`. */
export async function mountsMentioning(text: string): Promise<string[]> {
  return (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.includes(text));
}

export async function processesMatching(pattern: string): Promise<string[]> {
  const { stdout } = await execa('pgrep', ['-af', pattern], { reject: false });
  return stdout.split('\n').filter((l) => l && !l.includes('pgrep'));
}
