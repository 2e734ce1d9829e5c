// Loop devices for the disk image. Partitions are added with partx (works on kernels without
// a GPT partition parser, where `losetup -P` finds nothing), and their device nodes are made
// from sysfs when /dev is a container's private tmpfs that never sees new nodes appear.
import { mkdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import type { Runner } from '../run/runner.js';

export interface AttachedDisk {
  loop: string;
  /** partition number -> device node path */
  partitions: Map<number, string>;
  /** device nodes this process created (removed on detach) */
  madeNodes: string[];
}

/** Attaches the image to a free loop device (no partitions yet). */
export async function attachLoop(runner: Runner, path: string): Promise<AttachedDisk> {
  const loop = (await runner.run(['losetup', '--find', '--show', path])).stdout.trim();
  return { loop, partitions: new Map(), madeNodes: [] };
}

/** Adds the partition devices; records every node it makes in `disk` for detachDisk. */
export async function addPartitions(runner: Runner, disk: AttachedDisk, numbers: number[]): Promise<void> {
  if (await ensureNode(runner, disk.loop)) disk.madeNodes.push(disk.loop);
  if (numbers.length === 0) return;
  await runner.run(['partx', '--add', disk.loop], { okExitCodes: [0, 1] });
  for (const n of numbers) {
    const node = `${disk.loop}p${n}`;
    if (!(await exists(`/sys/class/block/${node.slice('/dev/'.length)}`))) {
      throw new Error(`partition ${n} of ${disk.loop} did not appear after partx --add`);
    }
    disk.partitions.set(n, node);
    if (await ensureNode(runner, node)) disk.madeNodes.push(node);
  }
}

export async function detachDisk(runner: Runner, disk: AttachedDisk): Promise<void> {
  await runner.run(['partx', '--delete', disk.loop], { okExitCodes: [0, 1] });
  await runner.run(['losetup', '--detach', disk.loop]);
  for (const node of disk.madeNodes) await rm(node, { force: true });
}

/** Symlinks named by role (disk, esp, boot, root) so the plan can use fixed device paths. */
export async function linkDevices(disk: AttachedDisk, links: Record<string, number>, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, number] of Object.entries(links)) {
    const node = number === 0 ? disk.loop : disk.partitions.get(number);
    if (!node) throw new Error(`no partition ${number} for ${name}`);
    await rm(`${dir}/${name}`, { force: true });
    await symlink(node, `${dir}/${name}`);
  }
}

/** Creates /dev/NAME from /sys/class/block/NAME/dev if missing; true when it made one. */
async function ensureNode(runner: Runner, node: string): Promise<boolean> {
  if (await exists(node)) return false;
  const name = node.slice('/dev/'.length);
  const [major, minor] = (await readFile(`/sys/class/block/${name}/dev`, 'utf8')).trim().split(':');
  await runner.run(['mknod', '-m', '0660', node, 'b', major as string, minor as string]);
  return true;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
