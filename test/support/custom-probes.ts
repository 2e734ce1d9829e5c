// What the booted system is asked about the customizations of test/fixtures/configs/everything.toml
// (test/e2e/update.test.ts, trixie), and what it must answer.
import { expect } from 'vitest';
import type { BootResult } from './boot.js';

export const CUSTOM_PROBES = {
  alice: 'id alice',
  bob: 'id bob',
  developers: 'getent group developers',
  aliceHome: 'stat -L -c "%U:%G %a" ~alice',
  bobHome: 'getent passwd bob | cut -d: -f6,7; stat -c "%U:%G" /var/home/robert',
  alicePassword: `h=$(awk -F: '$1=="alice"{print $2}' /etc/shadow); echo "\${h%%\\$*}\${h#\\$}" | cut -c1-3; perl -e 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "verifies" : "differs"' 'correct horse battery' "$h"`,
  bobPassword: `h=$(awk -F: '$1=="bob"{print $2}' /etc/shadow); perl -e 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "verifies" : "differs"' 'bob secret' "$h"; chage -l bob | grep -i "last password change"`,
  aliceKey: 'stat -c "%a %U" ~alice/.ssh ~alice/.ssh/authorized_keys; cut -d" " -f3 ~alice/.ssh/authorized_keys',
  bobKey: 'stat -c "%a %U" /var/home/robert/.ssh/authorized_keys; cut -d" " -f3 /var/home/robert/.ssh/authorized_keys',
  rootKey: 'getent passwd root | cut -d: -f6; stat -c "%a %U" /var/roothome/.ssh/authorized_keys; cut -d" " -f3 /var/roothome/.ssh/authorized_keys',
  account: 'getent passwd alice | cut -d: -f5; chage -l bob | grep "Account expires"',
  hostname: 'hostname',
  timezone: 'timedatectl show --property=Timezone --value; readlink /etc/localtime',
  locale: 'localectl status | grep -E "System Locale|VC Keymap|X11 Layout"',
  keymap: 'dumpkeys -C /dev/tty1 | grep -E "^keycode +21 "',
  varData: 'findmnt -no FSTYPE,TARGET /var/data; lsblk -no SIZE "$(findmnt -no SOURCE /var/data)"',
  files: 'stat -c "%n %a %U:%G" /etc/dbib/app.conf /root/notes.txt /var/data/shared; cat /etc/dbib/app.conf /root/notes.txt',
  services: 'systemctl is-enabled fstrim.timer e2scrub_reap.service apt-daily.timer',
  rootSize: 'df -BG --output=size /sysroot | tail -1',
} satisfies Record<string, string>;

/** What a disk built with test/fixtures/configs/everything.toml must show once booted. */
export function checkEverything(boot: BootResult): void {
  const p = boot.probes;
  // users, groups and homes (wheel becomes sudo on Debian)
  expect(p.alice).toMatch(/^uid=\d+\(alice\) gid=\d+\(alice\) groups=\d+\(alice\),27\(sudo\),3001\(developers\)$/);
  expect(p.bob).toBe('uid=2001(bob) gid=2001(bob) groups=2001(bob)');
  expect(p.developers).toBe('developers:x:3001:alice');
  expect(p.aliceHome).toBe('alice:alice 700');
  expect(p.bobHome).toBe('/var/home/robert:/bin/sh bob:bob');
  // passwords: plain text hashed with the image's own method (yescrypt), hashes kept, reset forced
  expect(p.alicePassword).toBe('y$j verifies');
  expect(p.bobPassword).toBe('verifiesLast password change : password must be changed');
  // description (GECOS) and account expiry
  expect(p.account).toBe('Alice Example Account expires : May 26, 2049');
  // SSH keys with mode 0600, also for root and from the legacy sshkey form
  expect(p.aliceKey).toBe('700 alice 600 alice alice@example');
  expect(p.bobKey).toBe('600 bob bob@example');
  expect(p.rootKey).toBe('/var/roothome 600 root root@example');
  expect(boot.cmdline).toMatch(/ console=ttyS0 dbib\.custom=yes mitigations=auto /);
  // hostname, time zone, locale and keyboard, all in effect
  expect(p.hostname).toBe('dbib-custom');
  expect(p.timezone).toBe('Europe/Berlin ../usr/share/zoneinfo/Europe/Berlin');
  expect(p.LANG).toBe('de_DE.UTF-8');
  expect(p.locale).toMatch(/System Locale: LANG=de_DE\.UTF-8 .*X11 Layout: de/);
  expect(p.keymap).toBe('keycode 21 = +z'); // German QWERTZ loaded into the console
  // the extra /var partition, and root at least as large as asked
  expect(p.varData).toBe('ext4 /var/data 512M');
  expect(Number(p.rootSize?.replace('G', ''))).toBeGreaterThanOrEqual(6);
  expect(p.files).toBe(
    '/etc/dbib/app.conf 640 alice:developers /root/notes.txt 644 root:root /var/data/shared 775 bob:developers token = not-so-secret hello from the config',
  );
  expect(p.services).toBe('enabled disabled masked');
}

/** Secrets of the config files above: never in the build's (debug) log nor its manifest. */
export const CONFIG_SECRETS = ['correct horse battery', '$6$dbibsalt$', 'AAAAC3NzaC1lZDI1NTE5AAAAIDbib', 'not-so-secret'];
