// Layer tars rewritten as ostree-ext imports them, checked with GNU tar on both ends: tars
// made by `tar` (PAX and GNU formats, long names, hard links into /etc, xattrs, whiteouts,
// device nodes) go through the filter and are listed and unpacked again.
import { mkdir, mkdtemp, readFile, writeFile, link } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterLayerTar, mapLayerPath, UnsupportedLayerEntry } from '../../src/layers/layer-filter.js';

let work: string;
const long = `etc/${'deep-directory-name/'.repeat(5)}file-with-a-long-name.conf`;

beforeAll(async () => {
  work = await mkdtemp(`${tmpdir()}/dbib-layer-`);
  const tree = `${work}/tree`;
  for (const dir of ['etc', 'usr/lib', 'var/lib/app', 'run/lock', 'tmp', 'dev', 'opt/app', long.slice(0, long.lastIndexOf('/'))]) await mkdir(`${tree}/${dir}`, { recursive: true });
  await writeFile(`${tree}/etc/app.conf`, 'setting = 1\n');
  await link(`${tree}/etc/app.conf`, `${tree}/usr/lib/app.conf`);
  await writeFile(`${tree}/${long}`, 'long\n');
  await writeFile(`${tree}/var/lib/app/state`, 'state\n');
  await writeFile(`${tree}/run/lock/pid`, '1\n');
  await writeFile(`${tree}/tmp/scratch`, 'x\n');
  await writeFile(`${tree}/opt/app/.wh.removed`, '');
  await writeFile(`${tree}/opt/.wh..wh..opq`, '');
  await execa('mknod', [`${tree}/dev/null`, 'c', '1', '3']);
  await execa('setfattr', ['-n', 'user.dbib', '-v', 'kept', `${tree}/usr/lib/app.conf`]);
});

async function filtered(format: 'pax' | 'gnu', options = { retainVar: true }): Promise<string> {
  const tar = `${work}/layer-${format}.tar`;
  await execa('tar', [`--format=${format}`, '--xattrs', '--xattrs-include=user.*', '-cf', tar, '-C', `${work}/tree`, '.']);
  const out = `${work}/filtered-${format}-${options.retainVar}.tar`;
  const chunks: Buffer[] = [];
  for await (const chunk of filterLayerTar(createReadStream(tar) as AsyncIterable<Buffer>, options)) chunks.push(chunk);
  await writeFile(out, Buffer.concat(chunks));
  return out;
}

describe('filterLayerTar', () => {
  it.each(['pax', 'gnu'] as const)('moves /etc to /usr/etc, keeps /var and whiteouts, empties /run, /tmp and /dev (%s tar)', async (format) => {
    const out = await filtered(format);
    const names = (await execa('tar', ['-tf', out])).stdout.split('\n').sort();
    expect(names).toContain(`./usr/${long}`);
    expect(names).toContain('./usr/etc/app.conf');
    expect(names).toContain('./var/lib/app/state');
    expect(names).toContain('./opt/app/.wh.removed');
    expect(names).toContain('./opt/.wh..wh..opq');
    expect(names).toEqual(expect.arrayContaining(['./run/', './tmp/', './dev/']));
    expect(names.filter((n) => /^\.\/(etc|run\/.|tmp\/.|dev\/.)/.test(n))).toEqual([]);
    const dest = `${work}/unpacked-${format}`;
    await mkdir(dest);
    await execa('tar', ['--xattrs', '--xattrs-include=user.*', '-xf', out, '-C', dest]);
    expect(await readFile(`${dest}/usr/${long}`, 'utf8')).toBe('long\n');
    // the hard link from /usr/lib into /etc follows /etc to /usr/etc
    const inodes = (await execa('stat', ['-c', '%i', `${dest}/usr/lib/app.conf`, `${dest}/usr/etc/app.conf`])).stdout.split('\n');
    expect(inodes[0]).toBe(inodes[1]);
    expect((await execa('getfattr', ['--only-values', '-n', 'user.dbib', `${dest}/usr/lib/app.conf`])).stdout).toBe('kept');
  });

  it('moves /var to /usr/share/factory/var for ostree older than 2024.3', async () => {
    const names = (await execa('tar', ['-tf', await filtered('pax', { retainVar: false })])).stdout.split('\n');
    expect(names).toContain('./usr/share/factory/var/lib/app/state');
    expect(names.some((n) => n.startsWith('./var'))).toBe(false);
  });

  it('refuses device nodes outside /dev, as ostree cannot store them', async () => {
    const tree = `${work}/bad`;
    await mkdir(`${tree}/usr`, { recursive: true });
    await execa('mknod', [`${tree}/usr/console`, 'c', '5', '1']);
    await execa('tar', ['-cf', `${work}/bad.tar`, '-C', tree, '.']);
    const drain = async () => {
      for await (const _ of filterLayerTar(createReadStream(`${work}/bad.tar`) as AsyncIterable<Buffer>, { retainVar: true })) void _;
    };
    await expect(drain()).rejects.toThrow(UnsupportedLayerEntry);
    await expect(drain()).rejects.toThrow('./usr/console: device nodes and FIFOs cannot be stored in ostree');
  });
});

describe('mapLayerPath', () => {
  it('maps paths as ostree-ext does', () => {
    const map = (p: string) => mapLayerPath(p, { retainVar: true });
    expect(['./', 'etc/', './etc/passwd', '/usr/bin/sh', 'var/log/', 'run/x', 'dev/', 'boot/vmlinuz', '.wh.top'].map(map)).toEqual([
      './', './usr/etc/', './usr/etc/passwd', './usr/bin/sh', './var/log/', undefined, './dev/', './boot/vmlinuz', './.wh.top',
    ]);
    expect(() => map('usr/../etc')).toThrow('invalid path in layer: usr/../etc');
  });
});
