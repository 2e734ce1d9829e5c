// Reads a built disk's root filesystem without booting it: the root partition attached
// read-only by offset (this kernel finds no partitions on loop devices) and mounted without
// journal replay. A qcow2 is read through a raw copy next to it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import type { Plan } from '../../src/plan/types.js';

export async function withRootFilesystem<T>(disk: string, plan: Plan, use: (root: string) => Promise<T>): Promise<T> {
  const raw = disk.endsWith('.raw') ? disk : `${disk}.raw`;
  if (raw !== disk) await execa('qemu-img', ['convert', '-O', 'raw', disk, raw]);
  const root = plan.disk.partitions.find((p) => p.role === 'root') as Plan['disk']['partitions'][number];
  const loop = (await execa('losetup', ['--find', '--show', '--read-only', '--offset', String(root.startBytes), '--sizelimit', String(root.sizeBytes), raw])).stdout;
  const mnt = await mkdtemp(`${tmpdir()}/dbib-root-`);
  try {
    await execa('mount', ['-o', root.filesystem?.type === 'xfs' ? 'ro,norecovery' : 'ro,noload', loop, mnt]);
    return await use(mnt);
  } finally {
    await execa('umount', [mnt], { reject: false });
    await execa('losetup', ['-d', loop], { reject: false });
    await rm(mnt, { recursive: true, force: true });
    if (raw !== disk) await rm(raw, { force: true });
  }
}
