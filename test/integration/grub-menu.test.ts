// The GRUB menu generator, run with the shell the images have (dash, Debian's /bin/sh) on
// boot entries shaped like ostree's, the way ostree's grub2 backend runs it
// (OSTREE_GRUB2_EXEC): `SCRIPT -o /boot/loader.N/grub.cfg`, entries beside the output.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { grubMenuGenerator } from '../../src/bootloader/grub-menu.js';

const GOLDEN = new URL('../golden/grub.cfg', import.meta.url);

const entry = (version: number, csum: string, title = `Debian GNU/Linux 13 (trixie) (ostree:${2 - version})`) => `title ${title}
version ${version}
options root=UUID=r rw console=ttyS0 ostree=/ostree/boot.1/default/${csum}/0
linux /ostree/default-${csum}/vmlinuz-6.12.107+deb13-amd64
initrd /ostree/default-${csum}/initramfs-6.12.107+deb13-amd64.img
`;

let dir: string;
let script: string;

beforeEach(async () => {
  dir = await mkdtemp(`${tmpdir()}/grub-menu-`);
  await mkdir(`${dir}/loader.1/entries`, { recursive: true });
  script = `${dir}/grub-menu`;
  await writeFile(script, grubMenuGenerator({ bootUuid: 'b00f', serial: true, timeoutSeconds: 1 }), { mode: 0o755 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = () => execa('/bin/sh', [script, '-o', `${dir}/loader.1/grub.cfg`], { reject: false });

describe('GRUB menu generator', () => {
  it('writes the newest deployment first and as the default (golden file)', async () => {
    // file names sort the other way round: the order comes from the version field
    await writeFile(`${dir}/loader.1/entries/ostree-1-default.conf`, entry(2, 'new'));
    await writeFile(`${dir}/loader.1/entries/ostree-2-default.conf`, entry(1, 'old'));
    expect((await run()).exitCode).toBe(0);
    const menu = await readFile(`${dir}/loader.1/grub.cfg`, 'utf8');
    expect(menu.split('\n').slice(1).join('\n')).toBe((await readFile(GOLDEN, 'utf8')).split('\n').slice(1).join('\n'));
    expect(menu.split('\n')[0]).toBe(`# Written by ${script} from ${dir}/loader.1/entries`);
  });

  it('quotes titles for GRUB and leaves out the serial console when the kernel has none', async () => {
    await writeFile(script, grubMenuGenerator({ bootUuid: 'b00f', serial: false, timeoutSeconds: 5 }), { mode: 0o755 });
    await writeFile(`${dir}/loader.1/entries/ostree-1-default.conf`, entry(1, 'x', `It's "v2"`));
    expect((await run()).exitCode).toBe(0);
    const menu = await readFile(`${dir}/loader.1/grub.cfg`, 'utf8');
    expect(menu).toContain(`menuentry 'It'\\''s "v2"' --id ostree-0 {`);
    expect(menu).toContain('set timeout=5');
    expect(menu).not.toContain('serial');
  });

  it('fails without touching the menu when an entry is broken or there is none', async () => {
    await writeFile(`${dir}/loader.1/grub.cfg`, 'previous menu\n');
    const empty = await run();
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain('no boot entries in');
    await writeFile(`${dir}/loader.1/entries/ostree-1-default.conf`, 'title broken\nversion 1\n');
    const broken = await run();
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toContain('ostree-1-default.conf has no linux line');
    expect(await readFile(`${dir}/loader.1/grub.cfg`, 'utf8')).toBe('previous menu\n');
    expect(await readdir(`${dir}/loader.1`)).toEqual(['entries', 'grub.cfg']);
  });
});
