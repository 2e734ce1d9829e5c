// What the first boot of the shaped image's disk (test/fixtures/images/shaped, config
// test/fixtures/configs/shaped.toml) is asked, and what it must answer: the image's shape as
// booted, and each customization in the running system.
import { expect } from 'vitest';
import type { BootResult } from './boot.js';
import { CUSTOM_PROBES } from './custom-probes.js';

const { alice, developers, aliceHome, aliceKey, rootKey, hostname, varData, services } = CUSTOM_PROBES;

export const SHAPED_PROBES: Record<string, string> = {
  alice, developers, aliceHome, aliceKey, rootKey, hostname, varData, services,
  alicePassword: `h=$(awk -F: '$1=="alice"{print $2}' /etc/shadow); echo "\${h%%\\$*}\${h#\\$}" | cut -c1-3`,
  files: 'stat -c "%n %a %U:%G" /etc/dbib/app.conf /root/notes.txt /var/data/shared; cat /etc/dbib/app.conf /root/notes.txt',
  // composefs: / is an overlay of the composefs image; the physical root is xfs, read-only
  root: 'findmnt -no FSTYPE /; findmnt -no FSTYPE,OPTIONS /sysroot | cut -d, -f1',
  emptyVar: 'ls -d /var/home /var/roothome /var/usrlocal; readlink /home /usr/local',
  boot: 'findmnt -no FSTYPE,TARGET /boot; findmnt -no FSTYPE,TARGET /boot/efi',
};

export function checkShapedSystem(boot: BootResult): void {
  const p = boot.probes;
  expect(p.root).toBe('overlay xfs ro');
  expect(boot.cmdline).toMatch(/ rw boot=UUID=\S+ dbib\.install=config dbib\.kargsd=yes console=tty0 console=ttyS0 dbib\.custom=yes /);
  expect(p.emptyVar).toBe('/var/home /var/roothome /var/usrlocal var/home ../var/usrlocal');
  expect(p.boot).toBe('ext4 /boot vfat /boot/efi');
  expect(p.alice).toMatch(/^uid=\d+\(alice\) gid=\d+\(alice\) groups=\d+\(alice\),27\(sudo\),3001\(developers\)$/);
  expect(p.developers).toBe('developers:x:3001:alice');
  expect(p.aliceHome).toBe('alice:alice 700');
  expect(p.alicePassword).toBe('y$j');
  expect(p.aliceKey).toBe('700 alice 600 alice alice@example');
  expect(p.rootKey).toBe('/root 600 root root@example');
  expect(p.hostname).toBe('dbib-shaped');
  expect(p.varData).toBe('ext4 /var/data 512M');
  expect(p.files).toBe('/etc/dbib/app.conf 640 alice:developers /root/notes.txt 644 root:root /var/data/shared 775 alice:developers token = not-so-secret hello from the config');
  expect(p.services).toBe('enabled disabled masked');
}
