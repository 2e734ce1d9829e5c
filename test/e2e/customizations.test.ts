// Customizations, proven in the booted system: a config using every supported one is
// mounted at /config.toml (as bootc-image-builder users do), the disk boots, and each
// customization is checked from inside. Secrets never reach logs or the manifest. And
// bootc-image-builder's own README examples work unchanged.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { type BootResult, bootCheck } from '../support/boot.js';
import { CUSTOM_PROBES } from '../support/custom-probes.js';
import { EXAMPLE, REPO, runBuilder } from '../support/images.js';

const CONFIGS = `${REPO}test/fixtures/configs`;
const SECRETS = ['correct horse battery', '$6$dbibsalt$', 'AAAAC3NzaC1lZDI1NTE5AAAAIDbib', 'not-so-secret'];

describe('a config with every supported customization', () => {
  let out: string;
  let build: Awaited<ReturnType<typeof runBuilder>>;
  let boot: BootResult;

  beforeAll(async () => {
    out = await mkdtemp(`${tmpdir()}/dbib-custom-`);
    build = await runBuilder(['--log-level', 'debug', '--type', 'qcow2', EXAMPLE], {
      output: out,
      podmanArgs: ['-v', `${CONFIGS}/everything.toml:/config.toml:ro`],
    });
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.split('\n').slice(-5).join('\n')}`);
    boot = await bootCheck(`${out}/qcow2/disk.qcow2`, { firmware: 'bios', format: 'qcow2', log: `${out}/serial.log`, probes: CUSTOM_PROBES });
    console.log(`boot to check: ${boot.seconds.toFixed(1)} s, state=${boot.state}\n${JSON.stringify(boot.probes, null, 1)}`);
  });

  it('boots to a clean multi-user system', () => {
    expect(boot.reachedMultiUser).toBe(true);
    expect(boot.state).toBe('running');
    expect(boot.failedUnits).toEqual([]);
  });

  it('creates users with their groups and homes (wheel becomes sudo on Debian)', () => {
    expect(boot.probes.alice).toMatch(/^uid=\d+\(alice\) gid=\d+\(alice\) groups=\d+\(alice\),27\(sudo\),3001\(developers\)$/);
    expect(boot.probes.bob).toBe('uid=2001(bob) gid=2001(bob) groups=2001(bob)');
    expect(boot.probes.developers).toBe('developers:x:3001:alice');
    expect(boot.probes.aliceHome).toBe('alice:alice 700');
    expect(boot.probes.bobHome).toBe('/var/home/robert:/bin/sh bob:bob');
    expect(build.stderr).toContain("user alice: Debian has no wheel group; adding the user to sudo, Debian's administrators' group, instead");
  });

  it('sets passwords: plain text hashed with the image own method (yescrypt), hashes kept, reset forced', () => {
    expect(boot.probes.alicePassword).toBe('y$j verifies');
    expect(boot.probes.bobPassword).toBe('verifiesLast password change : password must be changed');
  });

  it('records the description (GECOS) and the account expiry date', () => {
    expect(boot.probes.account).toBe('Alice Example Account expires : May 26, 2049');
  });

  it('installs SSH keys with mode 0600, also for root and from the legacy sshkey form', () => {
    expect(boot.probes.aliceKey).toBe('700 alice 600 alice alice@example');
    expect(boot.probes.bobKey).toBe('600 bob bob@example');
    expect(boot.probes.rootKey).toBe('/var/roothome 600 root root@example');
  });

  it('appends kernel arguments', () => {
    expect(boot.cmdline).toMatch(/ console=ttyS0 dbib\.custom=yes mitigations=auto /);
  });

  it('sets hostname, time zone, locale and keyboard, all in effect', () => {
    expect(boot.probes.hostname).toBe('dbib-custom');
    expect(boot.probes.timezone).toBe('Europe/Berlin ../usr/share/zoneinfo/Europe/Berlin');
    expect(boot.probes.LANG).toBe('de_DE.UTF-8');
    expect(boot.probes.locale).toMatch(/System Locale: LANG=de_DE\.UTF-8 .*X11 Layout: de/);
    expect(boot.probes.keymap).toBe('keycode 21 = +z'); // German QWERTZ loaded into the console
  });

  it('mounts the extra /var partition and makes the root filesystem at least as large as asked', () => {
    expect(boot.probes.varData).toBe('ext4 /var/data 512M');
    expect(Number(boot.probes.rootSize?.replace('G', ''))).toBeGreaterThanOrEqual(6);
  });

  it('writes files and directories with the requested owners and modes', () => {
    expect(boot.probes.files).toBe(
      '/etc/dbib/app.conf 640 alice:developers /root/notes.txt 644 root:root /var/data/shared 775 bob:developers token = not-so-secret hello from the config',
    );
  });

  it('enables, disables and masks services', () => {
    expect(boot.probes.services).toBe('enabled disabled masked');
  });

  it('keeps passwords, keys and file contents out of logs and the manifest', async () => {
    const manifest = await readFile(`${out}/manifest-qcow2.json`, 'utf8');
    for (const secret of SECRETS) {
      expect(build.stderr).not.toContain(secret);
      expect(manifest).not.toContain(secret);
    }
    expect(manifest).toContain('@secret:user.alice.password@');
  });
});

describe('a disk layout with plain partitions', () => {
  it('boots with swap in use, an xfs /var filesystem mounted, labels and sizes as asked', async () => {
    const out = await mkdtemp(`${tmpdir()}/dbib-disk-`);
    const build = await runBuilder(['--type', 'qcow2', EXAMPLE], { output: out, podmanArgs: ['-v', `${CONFIGS}/disk.toml:/config.toml:ro`] });
    expect(build.exitCode).toBe(0);
    const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, {
      firmware: 'bios',
      format: 'qcow2',
      log: `${out}/serial.log`,
      probes: {
        swap: 'swapon --show=TYPE,SIZE --noheadings; lsblk -no LABEL "$(swapon --show=NAME --noheadings)"',
        xfs: 'findmnt -no FSTYPE,LABEL,TARGET /var/lib/xfsdata; lsblk -no PARTLABEL "$(findmnt -no SOURCE /var/lib/xfsdata)"',
        disk: 'lsblk -dnbo SIZE /dev/vda',
      },
    });
    console.log(`disk layout boot: ${boot.seconds.toFixed(1)} s, state=${boot.state} ${JSON.stringify(boot.probes)}`);
    expect(boot.state).toBe('running');
    expect(boot.probes).toMatchObject({ swap: 'partition 256M dbib-swap', xfs: 'xfs xfsdata /var/lib/xfsdata data-xfs', disk: String(12 * 1024 ** 3) });
  });
});

describe("bootc-image-builder's README examples, unchanged", () => {
  it('builds and boots with the user and filesystem examples (config.toml) and the kernel example (config.json)', async () => {
    const out = await mkdtemp(`${tmpdir()}/dbib-bib-readme-`);
    const build = await runBuilder(['--type', 'qcow2', EXAMPLE], { output: out, podmanArgs: ['-v', `${CONFIGS}/bib-readme.toml:/config.toml:ro`] });
    expect(build.exitCode).toBe(0);
    const plan = JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan;
    expect(plan.disk.partitions.find((p) => p.filesystem?.mountpoint === '/var/data')?.sizeBytes).toBe(20 * 1024 ** 3);
    const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, {
      firmware: 'uefi',
      format: 'qcow2',
      log: `${out}/serial.log`,
      probes: {
        alice: 'id -nG alice',
        password: `h=$(awk -F: '$1=="alice"{print $2}' /etc/shadow); perl -e 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "verifies" : "differs"' bob "$h"`,
        key: 'cat ~alice/.ssh/authorized_keys',
        data: 'findmnt -no TARGET /var/data',
      },
    });
    expect(boot.state).toBe('running');
    expect(boot.probes).toMatchObject({ alice: 'alice sudo', password: 'verifies', key: 'ssh-rsa AAA ... user@email.com', data: '/var/data' });

    const kernel = await runBuilder(['manifest', EXAMPLE], { podmanArgs: ['-v', `${CONFIGS}/bib-readme-kernel.json:/config.json:ro`] });
    expect(kernel.exitCode).toBe(0);
    expect((JSON.parse(kernel.stdout) as Plan).deployment.kargs.at(-1)).toBe('mitigations=auto,nosmt');
  });
});
