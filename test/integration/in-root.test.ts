// Writes into an image or deployment tree never leave it, whatever links the image ships: the
// links are followed inside the tree (as openat2's RESOLVE_IN_ROOT does), and a link at the
// written name is replaced, not written through. Planted host files stay untouched.
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LinkLoop, readInRoot, resolveInRoot, writeFileInRoot } from '../../src/execute/in-root.js';

let dir: string;
let root: string;
let host: string;

beforeEach(async () => {
  dir = await mkdtemp(`${tmpdir()}/in-root-`);
  root = `${dir}/root`;
  host = `${dir}/host`;
  await mkdir(`${root}/etc`, { recursive: true });
  await mkdir(host);
  await writeFile(`${host}/victim`, 'host file\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('paths inside an untrusted tree', () => {
  it('resolves absolute and relative links, and .., against the tree root', async () => {
    await symlink(`${host}/victim`, `${root}/etc/abs`);
    await symlink('../../../../../../host/victim', `${root}/etc/rel`);
    await symlink('/etc', `${root}/etc/loopback`);
    expect(await resolveInRoot(root, '/etc/abs')).toBe(`${root}${host}/victim`);
    expect(await resolveInRoot(root, 'etc/rel')).toBe(`${root}/host/victim`);
    expect(await resolveInRoot(root, '/etc/loopback/loopback/../etc/x')).toBe(`${root}/etc/x`);
    expect(await resolveInRoot(root, '/../../etc/abs', { nofollow: true })).toBe(`${root}/etc/abs`);
  });

  it('replaces a link at the written name instead of writing through it; the host file is untouched', async () => {
    await symlink(`${host}/victim`, `${root}/etc/fstab`);
    await writeFileInRoot(root, 'etc/fstab', 'UUID=x / ext4 defaults 0 1\n', { mode: 0o644 });
    expect(await readFile(`${host}/victim`, 'utf8')).toBe('host file\n');
    expect((await lstat(`${root}/etc/fstab`)).isFile()).toBe(true);
    expect(((await lstat(`${root}/etc/fstab`)).mode & 0o777).toString(8)).toBe('644');
  });

  it('creates directories inside the tree when a parent is a link to a host directory', async () => {
    await symlink(host, `${root}/etc/systemd`);
    await writeFileInRoot(root, 'etc/systemd/system.conf.d/x.conf', 'x\n', { mode: 0o600 });
    expect(await readFile(`${root}${host}/system.conf.d/x.conf`, 'utf8')).toBe('x\n');
    expect(await readlink(`${root}/etc/systemd`)).toBe(host);
    await expect(lstat(`${host}/system.conf.d`)).rejects.toThrow(/ENOENT/);
  });

  it('appends to what the tree holds at that name (a newline in between), read inside the tree', async () => {
    await writeFile(`${root}/etc/real-environment`, 'LANG=C');
    await symlink('/etc/real-environment', `${root}/etc/environment`);
    await symlink(`${host}/victim`, `${root}/etc/other`);
    await writeFileInRoot(root, 'etc/environment', 'A=1\n', { mode: 0o644, append: true });
    expect(await readFile(`${root}/etc/environment`, 'utf8')).toBe('LANG=C\nA=1\n');
    expect(await readInRoot(root, 'etc/other')).toBe('');
    await writeFileInRoot(root, 'etc/other', 'B=2\n', { mode: 0o644, append: true });
    expect(await readFile(`${root}/etc/other`, 'utf8')).toBe('B=2\n');
    expect(await readFile(`${host}/victim`, 'utf8')).toBe('host file\n');
  });

  it('stops at link loops', async () => {
    await symlink('b', `${root}/etc/a`);
    await symlink('a', `${root}/etc/b`);
    await expect(writeFileInRoot(root, 'etc/a/x', 'x', { mode: 0o644 })).rejects.toThrow(LinkLoop);
  });
});
