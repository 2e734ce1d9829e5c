// How far a command has read a file, from /proc: the offset of a descriptor open on it in
// any process of the command's group (ostree's commit of a layer tar, tar reading disk.raw).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followReads, readPosition } from '../../src/execute/read-position.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/dbib-read-position-`);
  await writeFile(`${dir}/layer-0.tar`, Buffer.alloc(8 * 1024 * 1024));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A group that has read 3 MiB of the file (dd, through a descriptor its processes share), then waits. */
function reader() {
  return execa('sh', ['-c', `exec 3< ${dir}/layer-0.tar; dd bs=1M count=3 <&3 of=/dev/null 2>/dev/null; sh -c 'sleep 5' 3<&3`], { detached: true, reject: false });
}

describe('read position', () => {
  it('finds the offset in a process of the group, by the file name', async () => {
    const child = reader();
    await new Promise((r) => setTimeout(r, 500));
    expect(await readPosition(child.pid as number, 'layer-0.tar')).toBe(3 * 1024 * 1024);
    expect(await readPosition(child.pid as number, 'layer-1.tar')).toBeUndefined();
    expect(await readPosition(process.pid, 'layer-0.tar')).toBeUndefined();
    process.kill(-(child.pid as number), 'SIGKILL');
    await child;
  });

  it('reports each increase once, as deltas', async () => {
    const child = reader();
    const deltas: number[] = [];
    const stop = followReads(child.pid as number, 'layer-0.tar', (d) => deltas.push(d));
    await new Promise((r) => setTimeout(r, 1200));
    stop();
    process.kill(-(child.pid as number), 'SIGKILL');
    await child;
    expect(deltas.reduce((a, b) => a + b, 0)).toBe(3 * 1024 * 1024);
  });
});
