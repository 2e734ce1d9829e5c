// Two builds of the same image at the same time, into two output directories (as two CI jobs
// on one runner would run them). Same image, same disk: their filesystem UUIDs are equal,
// which xfs refuses to mount twice unless told (the builder mounts xfs with nouuid).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { expect } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { bootCheck } from './boot.js';
import { EXAMPLE, runBuilder } from './images.js';

export async function concurrentPair(rootfs: 'ext4' | 'xfs' | 'btrfs', { boot }: { boot: boolean }): Promise<void> {
  const outs = await Promise.all([1, 2].map((n) => mkdtemp(`${tmpdir()}/dbib-concurrent-${rootfs}-${n}-`)));
  const started = performance.now();
  const builds = await Promise.all(outs.map((output) => runBuilder(['--rootfs', rootfs, '--type', 'qcow2', EXAMPLE], { output })));
  console.log(`${rootfs}: two concurrent builds in ${((performance.now() - started) / 1000).toFixed(1)} s, exits ${builds.map((b) => b.exitCode).join(', ')}`);
  for (const build of builds) {
    expect(build.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([]);
    expect(build.exitCode).toBe(0);
  }
  const plans = await Promise.all(outs.map(async (out) => JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan));
  const uuids = plans.map((plan) => plan.disk.partitions.map((p) => p.filesystem?.uuid));
  expect(uuids[0]).toEqual(uuids[1]);
  if (!boot) return;
  for (const [i, out] of outs.entries()) {
    const check = await bootCheck(`${out}/qcow2/disk.qcow2`, { firmware: 'bios', format: 'qcow2', log: `${out}/serial.log`, probes: { sysroot: 'findmnt -no FSTYPE /sysroot' } });
    console.log(`${rootfs} build ${i + 1}: boot ${check.seconds.toFixed(1)} s, state=${check.state}, sysroot ${check.probes.sysroot}`);
    expect(check.state).toBe('running');
    expect(check.failedUnits).toEqual([]);
    expect(check.probes.sysroot).toBe(rootfs);
  }
}
