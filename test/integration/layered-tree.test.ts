// The layered reader against real overlay-style layer directories: whiteouts are character
// devices 0:0 and opaque directories carry trusted.overlay.opaque=y, as in containers-storage.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayeredTree } from '../../src/image/layered-tree.js';

let dir: string;
let tree: LayeredTree;

async function file(path: string, text = 'x') {
  await mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  await writeFile(path, text);
}

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/layered-tree-`);
  const lower = `${dir}/lower`;
  const upper = `${dir}/upper`;
  await file(`${lower}/usr/lib/os-release`, 'ID=debian\n');
  await mkdir(`${lower}/etc`, { recursive: true });
  await symlink('../usr/lib/os-release', `${lower}/etc/os-release`);
  await symlink('usr/lib', `${lower}/lib`);
  await file(`${lower}/usr/lib/modules/6.1.0/vmlinuz`);
  await file(`${lower}/opt/old`);
  await file(`${lower}/boot/vmlinuz-6.1.0`);
  await file(`${upper}/usr/lib/modules/6.12.0/vmlinuz`);
  await execa('mknod', [`${upper}/usr/lib/modules/6.1.0`, 'c', '0', '0']);
  await file(`${upper}/opt/new`);
  await execa('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', `${upper}/opt`]);
  await mkdir(`${upper}/boot`, { recursive: true });
  await execa('mknod', [`${upper}/boot/vmlinuz-6.1.0`, 'c', '0', '0']);
  await symlink('/usr/lib/modules', `${upper}/modules-abs`);
  tree = new LayeredTree([upper, lower]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LayeredTree', () => {
  it('merges directories and hides whited-out entries', async () => {
    expect(await tree.list('/usr/lib/modules')).toEqual(['6.12.0']);
    expect(await tree.exists('/usr/lib/modules/6.1.0/vmlinuz')).toBe(false);
    expect(await tree.list('/boot')).toEqual([]);
  });

  it('hides lower content below an opaque directory', async () => {
    expect(await tree.list('/opt')).toEqual(['new']);
    expect(await tree.exists('/opt/old')).toBe(false);
  });

  it('follows relative and absolute symlinks inside the image root', async () => {
    expect(await tree.readText('/etc/os-release')).toBe('ID=debian\n');
    expect(await tree.list('/lib/modules')).toEqual(['6.12.0']);
    expect(await tree.list('/modules-abs')).toEqual(['6.12.0']);
    expect(await tree.readLink('/lib')).toBe('usr/lib');
  });

  it('reports missing paths as missing, not as errors', async () => {
    expect(await tree.lookup('/nope/deeper')).toBeUndefined();
    expect(await tree.readText('/usr/lib/os-release/child')).toBeUndefined();
    expect(await tree.list('/usr/lib/os-release')).toEqual([]);
  });
});
