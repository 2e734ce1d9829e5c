// The initramfs reader on archives made with the real tools: cpio (newc), an uncompressed
// early archive in front (as microcode updates are), and each compressor dracut uses.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInitramfs, readInitramfs } from '../../src/image/initramfs.js';

let dir: string;

async function tree(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(`${root}/${path.slice(0, path.lastIndexOf('/'))}`, { recursive: true });
    await writeFile(`${root}/${path}`, text);
  }
}

async function cpio(root: string): Promise<Buffer> {
  const { stdout } = await execa('sh', ['-c', `cd ${root} && find . | sort | cpio -o -H newc --quiet`], { encoding: 'buffer' });
  return Buffer.from(stdout);
}

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/initramfs-`);
  await tree(`${dir}/early`, { 'kernel/x86/microcode/GenuineIntel.bin': 'ucode' });
  await tree(`${dir}/main`, {
    'usr/lib/ostree/ostree-prepare-root': 'bin',
    'usr/lib/ostree/prepare-root.conf': '[sysroot]\nreadonly=true\n',
    'usr/lib/dracut/modules.txt': 'systemd\nostree\nbase\n',
    'usr/lib/modules/6.12.0/kernel/drivers/block/virtio_blk.ko.xz': 'ko',
    'usr/lib/modules/6.12.0/kernel/drivers/nvme/host/nvme.ko.xz': 'ko',
  });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('initramfs reader', () => {
  it.each(['gzip', 'zstd', 'xz', 'lz4', 'bzip2'])('reads an early cpio followed by a %s-compressed one', async (tool) => {
    const main = await cpio(`${dir}/main`);
    const args = tool === 'lz4' ? ['-l', '-c'] : ['-c']; // dracut and the kernel use lz4's legacy frame
    const compressed = Buffer.from((await execa(tool, args, { input: main, encoding: 'buffer' })).stdout);
    const image = Buffer.concat([await cpio(`${dir}/early`), compressed]);
    const { listing, compression } = await listInitramfs(image);
    expect(compression).toBe(tool);
    expect(listing.names).toContain('kernel/x86/microcode/GenuineIntel.bin');
    expect(listing.names).toContain('usr/lib/ostree/ostree-prepare-root');
  });

  it('reports ostree support, dracut modules and the kernel modules that matter', async () => {
    await writeFile(`${dir}/initramfs.img`, await cpio(`${dir}/main`));
    const facts = await readInitramfs(`${dir}/initramfs.img`, 'kernel/fs/ext4/ext4.ko\n');
    expect(facts).toMatchObject({ compression: 'none', ostreePrepareRoot: true, prepareRootConf: true, dracutModules: ['systemd', 'ostree', 'base'] });
    expect(facts.kernelModules).toMatchObject({ ext4: 'builtin', virtio_blk: 'module', nvme: 'module', hv_storvsc: 'missing' });
  });

  it('sees an initramfs without ostree', async () => {
    await writeFile(`${dir}/plain.img`, await cpio(`${dir}/early`));
    expect((await readInitramfs(`${dir}/plain.img`, '')).ostreePrepareRoot).toBe(false);
  });
});
