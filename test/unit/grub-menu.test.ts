import { describe, expect, it } from 'vitest';
import { parseBlsEntry, renderGrubMenu } from '../../src/bootloader/grub-menu.js';

const entry = (version: number, csum: string) => `title Debian GNU/Linux 13 (trixie) (ostree:${2 - version})
version ${version}
options root=UUID=r rw console=ttyS0 ostree=/ostree/boot.1/default/${csum}/0
linux /ostree/default-${csum}/vmlinuz-6.12.107+deb13-amd64
initrd /ostree/default-${csum}/initramfs-6.12.107+deb13-amd64.img
`;

describe('grub menu from BLS entries', () => {
  it('parses an ostree BLS entry', () => {
    expect(parseBlsEntry(entry(2, 'aa'))).toEqual({
      title: 'Debian GNU/Linux 13 (trixie) (ostree:0)',
      version: 2,
      linux: '/ostree/default-aa/vmlinuz-6.12.107+deb13-amd64',
      initrd: ['/ostree/default-aa/initramfs-6.12.107+deb13-amd64.img'],
      options: 'root=UUID=r rw console=ttyS0 ostree=/ostree/boot.1/default/aa/0',
    });
  });

  it('refuses an entry without a kernel', () => {
    expect(() => parseBlsEntry('title x\n')).toThrow(/without a "linux" line/);
  });

  it('lists the newest deployment first, with serial console and /boot search', async () => {
    const menu = renderGrubMenu([parseBlsEntry(entry(1, 'old')), parseBlsEntry(entry(2, 'new'))], {
      bootUuid: 'b00t',
      fsModule: 'ext2',
      serial: true,
      timeoutSeconds: 1,
    });
    await expect(menu).toMatchFileSnapshot('../golden/grub.cfg');
    expect(menu.indexOf('default-new')).toBeLessThan(menu.indexOf('default-old'));
  });

  it('quotes titles safely', () => {
    const menu = renderGrubMenu([{ title: "it's", version: 1, linux: '/k', initrd: [], options: '' }], {
      bootUuid: 'u', fsModule: 'xfs', serial: false, timeoutSeconds: 0,
    });
    expect(menu).toContain(`menuentry 'it'\\''s' --id ostree-0 {`);
    expect(menu).not.toContain('serial');
    expect(menu).toContain('insmod xfs');
  });
});
