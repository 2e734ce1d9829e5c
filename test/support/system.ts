// Observations of the host that tests assert on: loop devices, mounts, processes.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** `losetup -a` lines that mention `text` (a backing file path or part of it). A device whose
 * file was opened in a container shows the path as seen from there, or from its mount once
 * the container is gone ("/.deb-bootc-image-builder.work/disk.raw (deleted)"). */
export async function loopDevicesFor(text: string): Promise<string[]> {
  const { stdout } = await execa('losetup', ['-a']);
  return stdout.split('\n').filter((l) => l.includes(text));
}

/** Builder work-file loop devices attached now that were not in `before` (a snapshot taken by
 * this function before the build), so that a device someone else left does not count. */
export async function newWorkLoopDevices(before: readonly string[] = []): Promise<string[]> {
  const devices = await loopDevicesFor('.deb-bootc-image-builder.work');
  return devices.filter((line) => !before.includes(line.split(':')[0] ?? ''));
}

/** The loop devices of builder work files attached now (for newWorkLoopDevices). */
export async function workLoopSnapshot(): Promise<string[]> {
  return (await loopDevicesFor('.deb-bootc-image-builder.work')).map((line) => line.split(':')[0] ?? '');
}

/** Lines of /proc/mounts that mention `text`. */
export async function mountsMentioning(text: string): Promise<string[]> {
  return (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.includes(text));
}

export async function processesMatching(pattern: string): Promise<string[]> {
  const { stdout } = await execa('pgrep', ['-af', pattern], { reject: false });
  return stdout.split('\n').filter((l) => l && !l.includes('pgrep'));
}

/** The processes matching `pattern` still there after `ms`: a process the build sent
 * SIGTERM may take a moment to die (the runner sends SIGKILL after 3 s). */
export async function processesLeft(pattern: string, ms = 3_500): Promise<string[]> {
  const until = performance.now() + ms;
  for (;;) {
    const left = await processesMatching(pattern);
    if (left.length === 0 || performance.now() > until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
