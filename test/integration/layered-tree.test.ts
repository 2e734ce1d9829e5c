// The layered reader against real overlay-style layer directories: whiteouts are character
// devices 0:0 and opaque directories carry the overlay xattr (trusted.* as rootful
// containers-storage writes it, user.* as rootless does); opaque sets come from the xattr
// fallback here (tar-split is covered with podman-made layers in storage.test.ts).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayeredTree } from '../../src/image/layered-tree.js';
import { opaqueDirsFromXattrs } from '../../src/image/opaque-dirs.js';

let dir: string;
let tree: LayeredTree;

async function file(path: string, text = 'x') {
  await mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  await writeFile(path, text);
}
const whiteout = (path: string) => execa('mknod', [path, 'c', '0', '0']);
const opaque = (path: string, ns = 'trusted') => execa('setfattr', ['-n', `${ns}.overlay.opaque`, '-v', 'y', path]);

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/layered-tree-`);
  const [upper, middle, lower] = [`${dir}/upper`, `${dir}/middle`, `${dir}/lower`];
  await file(`${lower}/usr/lib/os-release`, 'ID=debian\n');
  await mkdir(`${lower}/etc`, { recursive: true });
  await symlink('../usr/lib/os-release', `${lower}/etc/os-release`);
  await symlink('usr/lib', `${lower}/lib`);
  await file(`${lower}/usr/lib/modules/6.1.0/vmlinuz`);
  await file(`${lower}/opt/old`);
  await file(`${lower}/srv/keep/a`);
  await file(`${lower}/boot/vmlinuz-6.1.0`);
  await file(`${lower}/var/cache/x`);
  await file(`${middle}/srv/new`);
  await opaque(`${middle}/srv`, 'user');
  await file(`${upper}/usr/lib/modules/6.12.0/vmlinuz`);
  await whiteout(`${upper}/usr/lib/modules/6.1.0`);
  await file(`${upper}/opt/new`);
  await whiteout(`${upper}/opt/gone`);
  await opaque(`${upper}/opt`);
  await mkdir(`${upper}/boot`, { recursive: true });
  await whiteout(`${upper}/boot/vmlinuz-6.1.0`);
  await file(`${upper}/var`, 'now a file');
  await symlink('/usr/lib/modules', `${upper}/modules-abs`);
  await symlink('../../../../usr/lib/os-release', `${upper}/escape`);
  await symlink('/output', `${upper}/out`);
  await symlink('/nowhere', `${upper}/dangling`);
  await symlink('loop-b', `${upper}/loop-a`);
  await symlink('loop-a', `${upper}/loop-b`);
  const layer = (d: string) => {
    const dirs = opaqueDirsFromXattrs(d);
    return { dir: d, opaqueDirs: () => dirs };
  };
  tree = new LayeredTree([layer(upper), layer(middle), layer(lower)]);
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

  it('hides lower content below an opaque directory (trusted.* and user.* markers)', async () => {
    expect(await tree.list('/opt')).toEqual(['new']);
    expect(await tree.exists('/opt/old')).toBe(false);
    expect(await tree.list('/srv')).toEqual(['new']);
    expect(await tree.exists('/srv/keep/a')).toBe(false);
  });

  it('lets a file in an upper layer replace a lower directory', async () => {
    expect(await tree.readText('/var')).toBe('now a file');
    expect(await tree.exists('/var/cache/x')).toBe(false);
    expect(await tree.list('/var')).toEqual([]);
  });

  it('follows relative and absolute symlinks inside the image root', async () => {
    expect(await tree.readText('/etc/os-release')).toBe('ID=debian\n');
    expect(await tree.list('/lib/modules')).toEqual(['6.12.0']);
    expect(await tree.list('/modules-abs')).toEqual(['6.12.0']);
    expect(await tree.readLink('/lib')).toBe('usr/lib');
  });

  it('keeps ".." from leaving the image root, and gives up on symlink loops', async () => {
    expect(await tree.readText('/escape')).toBe('ID=debian\n');
    expect(await tree.lookup('/loop-a')).toBeUndefined();
  });

  it('reports missing paths as missing, not as errors', async () => {
    expect(await tree.lookup('/nope/deeper')).toBeUndefined();
    expect(await tree.readText('/usr/lib/os-release/child')).toBeUndefined();
    expect(await tree.list('/usr/lib/os-release')).toEqual([]);
  });

  it('resolves paths inside the image root (what a reader from outside must open)', async () => {
    expect(await tree.canonical('/lib/modules/6.12.0/vmlinuz')).toBe('/usr/lib/modules/6.12.0/vmlinuz');
    expect(await tree.canonical('/modules-abs/6.12.0')).toBe('/usr/lib/modules/6.12.0');
    expect(await tree.canonical('/escape')).toBe('/usr/lib/os-release');
    expect(await tree.canonical('/out/x')).toBe('/output/x');
  });

  it('describes a path: what it is, the first symlink on the way, a missing parent', async () => {
    expect(await tree.describe('/usr/lib/os-release')).toEqual({ kind: 'file' });
    expect(await tree.describe('/usr/lib')).toEqual({ kind: 'directory' });
    expect(await tree.describe('/lib/modules')).toEqual({ kind: 'directory', link: { at: '/lib', target: 'usr/lib' }, canonical: '/usr/lib/modules' });
    expect(await tree.describe('/out/victim')).toEqual({
      kind: 'missing',
      link: { at: '/out', target: '/output' },
      canonical: '/output/victim',
      parentMissing: true,
    });
    expect(await tree.describe('/dangling')).toEqual({ kind: 'missing', link: { at: '/dangling', target: '/nowhere' }, canonical: '/nowhere' });
    expect(await tree.describe('/absent')).toEqual({ kind: 'missing' });
    expect(await tree.describe('/nope/deeper')).toEqual({ kind: 'missing', parentMissing: true });
  });
});
