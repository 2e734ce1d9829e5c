// Loop devices for the disk image. Partitions are added with partx (works on kernels without
// a GPT partition parser, where `losetup -P` finds nothing), and their device nodes are made
// from sysfs when /dev is a container's private copy that never sees new nodes appear.
// The builder holds the loop device open and marks it for autoclear at once, so the kernel
// detaches it when the last user goes away, even if the builder is killed outright. A whole
// disk is attached with --partscan: only then does the kernel drop its partitions (and their
// /dev nodes on the host) when it detaches the device by itself.
import { open, readFile, rm, stat, symlink, mkdir, type FileHandle } from 'node:fs/promises';
import { CommandFailed, UserError } from '../errors.js';
import type { Runner } from '../run/runner.js';

export interface AttachedDisk {
  loop: string;
  /** partition number -> device node path */
  partitions: Map<number, string>;
  /** device nodes this process created (removed on detach) */
  madeNodes: string[];
  /** keeps the autoclear device attached while the build needs it */
  hold?: FileHandle;
}

const DETACH_WAIT_MS = 5_000;

/** Attaches the image (or a byte range of it) to a free loop device (no partitions yet),
 * held open with autoclear. */
export async function attachLoop(runner: Runner, path: string, region?: { offset: number; size: number }): Promise<AttachedDisk> {
  const range = region ? ['--offset', String(region.offset), '--sizelimit', String(region.size)] : ['--partscan'];
  const loop = (await runner.run(['losetup', '--find', '--show', ...range, path]).catch((error) => Promise.reject(loopError(error)))).stdout.trim();
  const disk: AttachedDisk = { loop, partitions: new Map(), madeNodes: [] };
  try {
    if (await ensureNode(runner, loop)) disk.madeNodes.push(loop);
    disk.hold = await open(loop, 'r');
    // While we hold it open, detaching only sets autoclear.
    await runner.run(['losetup', '--detach', loop]);
    return disk;
  } catch (error) {
    await detachDisk(runner, disk).catch(() => undefined);
    throw error;
  }
}

/** Adds the partition devices; records every node it makes in `disk` for detachDisk. */
export async function addPartitions(runner: Runner, disk: AttachedDisk, numbers: number[]): Promise<void> {
  if (numbers.length === 0) return;
  await runner.run(['partx', '--delete', disk.loop], { okExitCodes: [0, 1] }); // stale ones, if any
  await runner.run(['partx', '--add', disk.loop]);
  for (const n of numbers) {
    const node = `${disk.loop}p${n}`;
    disk.partitions.set(n, node);
    if (await ensureNode(runner, node)) disk.madeNodes.push(node);
  }
}

export async function detachDisk(runner: Runner, disk: AttachedDisk): Promise<void> {
  await runner.run(['partx', '--delete', disk.loop], { okExitCodes: [0, 1] });
  await disk.hold?.close();
  if (!(await detached(disk.loop))) await runner.run(['losetup', '--detach', disk.loop], { okExitCodes: [0, 1] });
  if (!(await detached(disk.loop))) throw new UserError('build-failed', `${disk.loop} is still attached: something else holds it open (see sudo fuser -v ${disk.loop} on the host)`);
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

/**
 * Makes /dev/NAME match /sys/class/block/NAME/dev; true when it created the node. A node
 * copied into a container's /dev at start may name another device now (partition numbers
 * are handed out dynamically), so an existing node with other numbers is replaced.
 */
async function ensureNode(runner: Runner, node: string): Promise<boolean> {
  const name = node.slice('/dev/'.length);
  const sysfs = await readFile(`/sys/class/block/${name}/dev`, 'utf8').catch(() => undefined);
  if (!sysfs) {
    throw new UserError('environment', `the kernel shows no ${name} in /sys/class/block (${node === disk(node) ? 'losetup' : 'partx --add'} did not make it appear): the builder needs the host's /sys and /dev, as podman run --privileged gives them`);
  }
  const [major, minor] = sysfs.trim().split(':').map(Number) as [number, number];
  const existing = await stat(node).catch(() => undefined);
  if (existing?.isBlockDevice() && existing.rdev === makedev(major, minor)) return false;
  await rm(node, { force: true });
  await runner.run(['mknod', '-m', '0660', node, 'b', String(major), String(minor)]);
  return true;
}

/** The whole device a node belongs to: /dev/loop3 for /dev/loop3p2. */
function disk(node: string): string {
  return node.replace(/^(\/dev\/loop\d+)p\d+$/, '$1');
}

/** losetup finding no loop device to use is the host's state, said with what to do. */
export function loopError(error: unknown): unknown {
  if (!(error instanceof CommandFailed) || !/unused loop device|no such device|failed to set up loop device|loop-control/i.test(error.detail)) return error;
  return new UserError(
    'environment',
    `no free loop device (${error.detail}): list them with sudo losetup -a on the host and detach stale ones (sudo losetup -d /dev/loopN), or allow more (modprobe loop max_loop=64)`,
  );
}

/** Linux's dev_t encoding (glibc makedev), as stat reports st_rdev. */
export function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 0x100 + (minor & 0xff) + (minor >>> 8) * 0x100000 + Math.floor(major / 0x1000) * 2 ** 44;
}

async function detached(loop: string): Promise<boolean> {
  const backing = `/sys/class/block/${loop.slice('/dev/'.length)}/loop/backing_file`;
  for (const deadline = Date.now() + DETACH_WAIT_MS; ; ) {
    if (!(await stat(backing).catch(() => undefined))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
