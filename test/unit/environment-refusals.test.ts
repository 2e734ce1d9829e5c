// Refusals of the command line and the builder's environment (issue 11): preflight probes,
// out-of-space step failures, loop devices, damaged layers, initramfs decompressors and
// interrupts, each with its own exit code and a message that says what to do.
import { mkdir, mkdtemp, readdir, rm, statfs, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBuilderWritable, checkFileSize, checkRoot, staleArtifacts, staleArtifactsWarning } from '../../src/cli/preflight.js';
import { loopError } from '../../src/disk/loop.js';
import { CommandFailed, Interrupted, UserError } from '../../src/errors.js';
import { spaceError } from '../../src/execute/execute.js';
import { listInitramfs } from '../../src/image/initramfs.js';
import { ByteReader, TruncatedStream } from '../../src/layers/byte-reader.js';
import { layerTar } from '../../src/layers/tar-split.js';
import { PATHS } from '../../src/plan/paths.js';
import type { Plan, Step } from '../../src/plan/types.js';
import { abortedMeanwhile } from '../../src/run/interrupt.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/environment-refusals-`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const GiB = 2 ** 30;

describe('preflight of the builder itself', () => {
  it('refuses a builder that does not run as root (podman run --user), with exit 13', () => {
    expect(() => checkRoot(1000)).toThrow(expect.objectContaining({ id: 'not-privileged', message: 'the builder runs as uid 1000: run it as root (drop --user)' }));
    expect(() => checkRoot(0)).not.toThrow();
  });

  it('takes writable scratch locations and skips absent ones', async () => {
    await expect(checkBuilderWritable([dir, `${dir}/absent`])).resolves.toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a location that takes no directory, with exit 18', async () => {
    // procfs takes no new directories, as a read-only overlay takes none
    await expect(checkBuilderWritable(['/proc/1'])).rejects.toMatchObject({ id: 'environment', exitCode: 18 });
  });
});

describe('the disk file size probe', () => {
  it('leaves nothing behind when the size fits', async () => {
    await expect(checkFileSize(dir, 20 * GiB, '--size 20 GiB')).resolves.toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('refuses a size larger than ext4 allows for one file, with exit 14', async () => {
    if ((await statfs(dir)).type !== 0xef53) return; // only ext4 stops at 16 TiB
    await expect(checkFileSize(dir, 17 * 2 ** 40, '--size 17 TiB')).rejects.toMatchObject({
      id: 'output',
      message: `--size 17 TiB is larger than the output filesystem allows for one file (ext4 at ${dir}): choose a smaller --size`,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an output directory it cannot create the file in', async () => {
    await expect(checkFileSize(`${dir}/absent`, GiB, '--size 1 GiB')).rejects.toMatchObject({ id: 'output', message: expect.stringMatching(/cannot create a file in the output directory .* \(ENOENT\)/) });
  });
});

describe('artifacts of an earlier build', () => {
  it('lists the known artifacts this build will not overwrite', async () => {
    const out = `${dir}/out`;
    await mkdir(`${out}/qcow2`, { recursive: true });
    await mkdir(`${out}/image`, { recursive: true });
    await mkdir(`${out}/vmdk/disk.vmdk`, { recursive: true }); // not a file: not an artifact
    await writeFile(`${out}/qcow2/disk.qcow2`, '');
    await writeFile(`${out}/image/disk.raw`, '');
    expect(await staleArtifacts(out, [{ type: 'raw', path: 'image/disk.raw' }])).toEqual(['qcow2/disk.qcow2']);
    expect(await staleArtifacts(out, [{ type: 'qcow2', path: 'qcow2/disk.qcow2' }])).toEqual(['image/disk.raw']);
    expect(staleArtifactsWarning('/output', ['qcow2/disk.qcow2'])).toBe(
      '/output already holds qcow2/disk.qcow2 from an earlier build: this build does not replace it, and its SHA256SUMS and build-record.json do not list it; remove it if stale',
    );
    await rm(out, { recursive: true });
  });
});

describe('steps that run out of space', () => {
  const plan = { space: { path: '/output', bytes: 6 * GiB }, disk: { sizeBytes: 10 * GiB } } as Pick<Plan, 'space' | 'disk'>;
  const enospc = (path: string) => Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', path });
  const exec = (argv: string[], where: 'builder' | 'image' = 'builder'): Step => ({ kind: 'exec', in: where, argv });

  it('asks for a larger --size when the disk image filled up', () => {
    const argv = ['ostree', 'admin', 'deploy', `--sysroot=${PATHS.target}`, 'ref'];
    const error = spaceError(exec(argv), new CommandFailed(argv, 'exit code 1', 'error: fallocate: No space left on device'), plan);
    expect(error).toMatchObject({
      id: 'no-space',
      exitCode: 15,
      message: 'the disk image (10 GiB) ran out of space while running ostree admin: build with a larger --size, e.g. --size "20 GiB"',
    });
  });

  it('counts commands inside the image and layer commits as writing into the disk image', () => {
    const argv = ['ostree', 'commit', '--repo=/x'];
    expect(spaceError(exec(argv, 'image'), new CommandFailed(argv, 'exit code 1', 'No space left on device'), plan)).toMatchObject({ id: 'no-space', message: expect.stringMatching(/^the disk image/) });
    const commit: Step = { kind: 'commit-layer', argv, tar: `${PATHS.files}/layer-0.tar`, tarSplit: '/s', dir: '/d', retainVar: false };
    expect(spaceError(commit, new CommandFailed(argv, 'exit code 1', 'No space left on device'), plan)).toMatchObject({ message: expect.stringMatching(/^the disk image .* while running ostree commit/) });
    // the layer's tar is the builder's own scratch file
    expect(spaceError(commit, enospc(`${PATHS.files}/layer-0.tar`), plan)).toMatchObject({ message: expect.stringMatching(/^the builder's own filesystem ran out of space while writing/) });
  });

  it('says /boot is full when that is where the write went', () => {
    const step: Step = { kind: 'mkdir', path: `${PATHS.boot}/loader.1`, mode: 0o755 };
    expect(spaceError(step, enospc(`${PATHS.boot}/loader.1`), plan)).toMatchObject({ id: 'no-space', message: expect.stringMatching(/\/boot or EFI partition ran out of space .* --size does not make them larger/) });
  });

  it('asks for free space when the output directory filled up', () => {
    const argv = ['qemu-img', 'convert', '-O', 'qcow2', '/output/.work/disk.raw', '/output/.work/disk.qcow2'];
    expect(spaceError(exec(argv), new CommandFailed(argv, 'exit code 1', 'qemu-img: error while writing: No space left on device'), plan)).toMatchObject({
      id: 'no-space',
      message: 'the output directory /output ran out of space while running qemu-img convert: free space there (the build needs about 6 GiB) or use a larger output directory',
    });
    const publish: Step = { kind: 'publish', types: ['qcow2'], from: '/output/.work/disk.qcow2', to: '/output/qcow2/disk.qcow2' };
    expect(spaceError(publish, new UserError('output', 'cannot write /output/qcow2/disk.qcow2: no space left on the device'), plan)).toMatchObject({
      id: 'no-space',
      message: expect.stringMatching(/^the output directory \/output ran out of space while writing \/output\/qcow2\/disk\.qcow2/),
    });
  });

  it('leaves other failures alone', () => {
    const failure = new CommandFailed(['mkfs.ext4', '/dev/x'], 'exit code 1', 'bad things');
    expect(spaceError(exec(['mkfs.ext4', '/dev/x']), failure, plan)).toBe(failure);
  });
});

describe('loop devices', () => {
  it('says what to do when there is no free loop device', () => {
    const error = loopError(new CommandFailed(['losetup', '--find', '--show', '/x'], 'exit code 1', 'losetup: cannot find an unused loop device'));
    expect(error).toMatchObject({ id: 'environment', message: expect.stringMatching(/^no free loop device \(losetup: cannot find an unused loop device\): list them with sudo losetup -a/) });
    const other = new CommandFailed(['losetup'], 'exit code 1', 'something else');
    expect(loopError(other)).toBe(other);
  });
});

describe('damaged layers in the container storage', () => {
  const split = async (name: string, lines: object[]) => {
    const path = `${dir}/${name}.tar-split.gz`;
    await writeFile(path, gzipSync(lines.map((l) => JSON.stringify(l)).join('\n')));
    return path;
  };
  const drain = async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source);
  };

  it('names the layer and says to re-pull (exit 12)', async () => {
    const layer = `${dir}/layer`;
    await mkdir(layer, { recursive: true });
    await writeFile(`${layer}/short`, 'abc');
    const short = await split('short', [{ type: 1, name: 'short', size: 5 }]);
    await expect(drain(layerTar(short, layer))).rejects.toMatchObject({
      id: 'storage',
      exitCode: 12,
      message: `the layer ${layer} in the container storage is damaged: short does not have the 5 bytes its tar-split records: re-pull the image (or build it again)`,
    });
    const missing = await split('missing', [{ type: 1, name: 'gone', size: 5 }]);
    await expect(drain(layerTar(missing, layer))).rejects.toMatchObject({ id: 'storage', message: expect.stringMatching(/damaged: gone is missing or not a file/) });
    await writeFile(`${dir}/garbage.tar-split.gz`, 'not gzip');
    await expect(drain(layerTar(`${dir}/garbage.tar-split.gz`, layer))).rejects.toMatchObject({ id: 'storage', message: expect.stringMatching(/is not valid gzip/) });
  });

  it("reads no file outside the layer, whatever names the image's tar gave", async () => {
    const layer = `${dir}/layer-links`;
    await mkdir(`${layer}/etc`, { recursive: true });
    await writeFile(`${dir}/host-secret`, 'secret');
    await symlink(dir, `${layer}/up`);
    const dotdot = await split('dotdot', [{ type: 1, name: '../host-secret', size: 6 }]);
    await expect(drain(layerTar(dotdot, layer))).rejects.toMatchObject({ id: 'storage', message: expect.stringMatching(/names "\.\.\/host-secret", which leads outside the layer/) });
    const behind = await split('behind', [{ type: 1, name: 'up/host-secret', size: 6 }]);
    await expect(drain(layerTar(behind, layer))).rejects.toMatchObject({ id: 'storage', message: expect.stringMatching(/up\/host-secret lies behind a symlink of the layer/) });
  });

  it('reports a stream that ends early as truncated', async () => {
    async function* three() {
      yield Buffer.from('abc');
    }
    await expect(new ByteReader(three()).read(10)).rejects.toThrow(TruncatedStream);
  });
});

describe('initramfs decompressors', () => {
  const gzipHead = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xff]);

  it('calls an initramfs that does not decompress what it is (exit 7)', async () => {
    await expect(listInitramfs(gzipHead, { shown: '/usr/lib/modules/6.12/initramfs.img' })).rejects.toMatchObject({
      id: 'no-initramfs',
      message: expect.stringMatching(/^\/usr\/lib\/modules\/6\.12\/initramfs\.img cannot be decompressed \(gzip: .*\): rebuild it with dracut$/),
    });
  });

  it('says which tool the builder lacks (exit 18)', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(listInitramfs(gzipHead)).rejects.toMatchObject({ id: 'environment', message: 'the initramfs is gzip-compressed and the builder has no gzip: install gzip in the builder image' });
    } finally {
      process.env.PATH = path;
    }
  });

  it('gives way to an interrupt', async () => {
    const controller = new AbortController();
    controller.abort(new Interrupted('SIGINT'));
    await expect(listInitramfs(gzipHead, { signal: controller.signal })).rejects.toThrow(Interrupted);
  });
});

describe('interrupts that arrive with a failure', () => {
  it('waits briefly for an abort that is on its way', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Interrupted('SIGTERM')), 20);
    expect(await abortedMeanwhile(controller.signal, 2_000)).toBe(true);
    expect(await abortedMeanwhile(new AbortController().signal, 10)).toBe(false);
    expect(await abortedMeanwhile(undefined)).toBe(false);
  });
});
