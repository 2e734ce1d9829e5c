// verify's pure parts: the guest's check lines read back, the checks and the outcome a boot
// gives, the exit codes, the text report, and which firmware a partition table supports.
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { kindOf } from '../../src/verify/artifacts.js';
import { expectationsFor } from '../../src/verify/expectations.js';
import { supportedFirmware } from '../../src/verify/firmware.js';
import { BEGIN, END, type GuestQuestions, parseCheck } from '../../src/verify/guest-check.js';
import type { BootOutcome } from '../../src/verify/qemu.js';
import { lastLines, readLog, stripTerminalCodes } from '../../src/verify/serial-log.js';
import { VerifyReport, reportText, toReport, verifyJsonSchema } from '../../src/verify/report.js';
import { DEFAULT_EXPECTATIONS, checksOf, outcomeOf } from '../../src/verify/verdict.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const Q: GuestQuestions = { mounts: ['/', '/boot', '/var/data'], users: ['alice', 'bob'], execs: [{ name: '1', command: 'true' }, { name: '2', command: 'exit 1' }] };

function checkLog(extra: string[] = [], complete = true): string {
  return [
    'noise before',
    BEGIN,
    'state=degraded',
    'failed=broken.service ',
    'multiuser_us=41234567',
    `cmdline=${b64('root=UUID=x rw\n')}`,
    'efi=1',
    'secureboot=1',
    `lockdown=${b64('none [integrity] confidentiality')}`,
    `mount.0=${b64('/ /dev/vda4 ext4 rw,relatime')}`,
    `mount.1=${b64('/boot /dev/vda3 ext4 ro,relatime')}`,
    'mount.2=',
    `deployment=${b64('default abc123.0')}`,
    `ostree=${b64('* default abc123.0\n    origin: x')}`,
    `user.0=${b64('alice:x:1000:1000::/home/alice:/bin/bash')}`,
    'user.1=',
    'exec.0.rc=0',
    `exec.0.out=${b64('')}`,
    'exec.1.rc=1',
    `exec.1.out=${b64('it failed\nbadly')}`,
    ...extra,
    ...(complete ? [END] : []),
  ].join('\n');
}

const boot = (log: string, end: BootOutcome['end'] = 'checked', firmware: BootOutcome['firmware'] = 'uefi-secure'): BootOutcome => ({
  firmware,
  accel: 'tcg',
  end,
  seconds: 90.04,
  ...(log.includes(BEGIN) ? { secondsToCheck: 85.2 } : {}),
  consoleLog: '/tmp/c',
  checkLog: '/tmp/k',
  consoleTail: ['[  OK  ] Reached target multi-user.target', 'vm login:'],
  report: parseCheck(log, Q),
});

describe('the guest check read back', () => {
  it('reads every field, decodes the text ones, and tells unmounted and absent apart', () => {
    const r = parseCheck(checkLog(), Q);
    expect(r).toMatchObject({
      reached: true,
      complete: true,
      state: 'degraded',
      failedUnits: ['broken.service'],
      multiUserSeconds: 41.234567,
      cmdline: 'root=UUID=x rw',
      efi: true,
      secureBoot: true,
      deployment: 'default abc123.0',
      mounts: { '/': { source: '/dev/vda4', fstype: 'ext4', options: 'rw,relatime' }, '/var/data': undefined },
      users: { alice: 'alice:x:1000:1000::/home/alice:/bin/bash', bob: undefined },
    });
    expect(r.execs.map((e) => [e.exitCode, e.output])).toEqual([[0, ''], [1, 'it failed\nbadly']]);
  });

  it('knows a check that never started and one cut short', () => {
    expect(parseCheck('Kernel panic - not syncing', Q)).toMatchObject({ reached: false, complete: false, failedUnits: [] });
    expect(parseCheck(checkLog([], false), Q)).toMatchObject({ reached: true, complete: false });
  });
});

describe('checks and outcome', () => {
  const expected = { mounts: ['/', '/boot', '/var/data'], users: ['alice', 'bob'], reportMounts: [] };

  it('fails what was not as expected, each with what was seen', () => {
    const checks = checksOf(boot(checkLog()), expected);
    expect(checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([
      'system running: systemctl is-system-running: degraded',
      'no failed units: broken.service',
      'mount /var/data: not mounted',
      'user bob: absent (getent passwd)',
      'exec 2: exit 1',
    ]);
    expect(checks.find((c) => c.name === 'secure boot enforced')).toMatchObject({ ok: true, detail: 'SecureBoot variable 1; kernel lockdown: none [integrity] confidentiality' });
    expect(outcomeOf(boot(checkLog()), checks)).toBe('verify-failed');
  });

  it('passes a boot that shows everything, and says why one did not get there', () => {
    const good = boot(checkLog().replace('state=degraded', 'state=running').replace('failed=broken.service ', 'failed=').replace('exec.1.rc=1', 'exec.1.rc=0'), 'checked', 'uefi');
    const checks = checksOf(good, { ...DEFAULT_EXPECTATIONS, reportMounts: [] });
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(outcomeOf(good, checks)).toBe('pass');
    expect(outcomeOf(boot('', 'timeout'), [])).toBe('boot-timeout');
    expect(outcomeOf(boot('', 'panic'), [])).toBe('boot-failed');
    expect(outcomeOf(boot(checkLog([], false), 'exited'), [])).toBe('boot-failed');
  });

  it('requires the Secure Boot variable only when Secure Boot was asked for, and the firmware it was booted with', () => {
    const off = boot(checkLog().replace('secureboot=1', 'secureboot=0'));
    expect(checksOf(off, expected).find((c) => c.name === 'secure boot enforced')?.ok).toBe(false);
    const bios = boot(checkLog(), 'checked', 'bios');
    expect(checksOf(bios, expected).find((c) => c.name === 'firmware')).toMatchObject({ ok: false, detail: 'booted UEFI' });
  });
});

describe('the report', () => {
  it('is valid against its schema, gives the worst outcome as exit code, and shows a failed boot its console', () => {
    const failed = boot(checkLog());
    const report = toReport([
      { artifact: '/output/qcow2/disk.qcow2', outcome: outcomeOf(failed, checksOf(failed, DEFAULT_EXPECTATIONS)), boot: failed, checks: checksOf(failed, DEFAULT_EXPECTATIONS) },
      { artifact: '/output/image/disk.raw', outcome: 'boot-timeout', boot: boot('', 'timeout', 'bios'), checks: [] },
    ]);
    expect([...Value.Errors(VerifyReport, report)]).toEqual([]);
    expect(report).toMatchObject({ ok: false, outcome: 'boot-timeout', exitCode: 21 });
    const text = reportText(report);
    expect(text).toContain('FAIL  qcow2/disk.qcow2  UEFI Secure Boot (tcg)  multi-user 41.2 s after the kernel, checked 85.2 s after QEMU started');
    expect(text).toContain('TIMEOUT  image/disk.raw  BIOS (tcg)  90 s');
    expect(text).toContain('  exec 2: exit 1  (exit 1)\n    it failed\n    badly');
    // mounts reported without a check of their own
    expect(text).toContain('\n  /boot: /dev/vda3 ext4 (ro,relatime)\n  /var/data: not mounted\n');
    expect(text).toContain('TIMEOUT  image/disk.raw  BIOS (tcg)  90 s\n  last console lines:\n    [  OK  ] Reached target multi-user.target');
    expect(report.boots[0]?.consoleTail).toEqual([]);
    expect(text.trimEnd().split('\n').at(-1)).toBe('verify: boot-timeout (exit 21)');
  });

  it('publishes its schema (schema --verify)', () => {
    const schema = verifyJsonSchema() as { $schema: string; required: string[] };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['v', 'ok', 'outcome', 'exitCode', 'boots']);
  });
});

describe('artifacts and firmware', () => {
  it('knows the builder\'s artifacts by name', () => {
    expect(['qcow2/disk.qcow2', 'image/disk.raw', 'vmdk/disk.vmdk', 'vdi/disk.vdi', 'vpc/disk.vhd', 'gce/image.tar.gz', 'archive/disk.ova', 'x.iso'].map(kindOf)).toEqual([
      'qcow2', 'raw', 'vmdk', 'vdi', 'vhd', 'gce', 'ova', undefined,
    ]);
  });

  it('reads BIOS and UEFI support from a GPT written by sfdisk, and BIOS alone from an MBR', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dbib-gpt-`);
    const table = async (script: string) => {
      await execa('truncate', ['-s', '64M', `${dir}/d`]);
      await execa('sfdisk', ['-q', `${dir}/d`], { input: script });
      const head = (await readFile(`${dir}/d`)).subarray(0, 34 * 512);
      await rm(`${dir}/d`);
      return supportedFirmware(head);
    };
    expect(await table('label: gpt\nsize=1M, type=21686148-6449-6E6F-744E-656564454649\nsize=8M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\ntype=linux\n')).toEqual(['bios', 'uefi']);
    expect(await table('label: gpt\nsize=8M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\ntype=linux\n')).toEqual(['uefi']);
    expect(await table('label: dos\ntype=83\n')).toEqual(['bios']);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('expectations', () => {
  it('come from the manifest beside the layout that lists the artifact: its mounts and users, /var reported unless the config mounts it', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dbib-expect-`);
    try {
      await mkdir(`${dir}/qcow2`);
      const plan = (mounts: string[]) => JSON.stringify({ outputs: [{ path: 'qcow2/disk.qcow2' }], expected: { mounts, users: ['alice'] } });
      await writeFile(`${dir}/manifest-qcow2.json`, plan(['/', '/boot', '/boot/efi']));
      expect(await expectationsFor(`${dir}/qcow2/disk.qcow2`, undefined, ['bob'])).toEqual({
        manifest: `${dir}/manifest-qcow2.json`,
        expected: { mounts: ['/', '/boot', '/boot/efi'], users: ['alice', 'bob'], reportMounts: ['/var'] },
      });
      await writeFile(`${dir}/manifest-qcow2.json`, plan(['/', '/var']));
      expect((await expectationsFor(`${dir}/qcow2/disk.qcow2`, undefined, [])).expected.reportMounts).toEqual([]);
      expect(await expectationsFor(`${dir}/elsewhere.qcow2`, undefined, [])).toEqual({ expected: DEFAULT_EXPECTATIONS });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the serial console', () => {
  it('is read without the escape codes getty and systemd write, old agetty and new (OSC, DCS)', () => {
    const noise = '\x1b[!p\x1b]104\x07\x1b[?7h\x1b[6n\x1b[32766;32766H\x1b[6n';
    const osc = '\x1b]3008;start=3dc4;user=root;hostname=vm;comm=(agetty);type=service\x1b\\';
    const dcs = '\x1bP+q6E616D65\x1b\\';
    expect(stripTerminalCodes(`[  OK  ] Started\r\n${noise}${osc}${dcs}\x1b[0mvm login: \r\n`)).toBe('[  OK  ] Started\nvm login: \n');
    expect(lastLines('a\n\n b \nc\n', 2)).toEqual([' b', 'c']);
  });

  it('is read as UTF-8, as systemd writes it (its ellipsis), a stray byte not stopping it', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dbib-serial-`);
    try {
      await writeFile(`${dir}/console.log`, Buffer.concat([Buffer.from('Listening on sshd-unix-local.socke… Local).\r\n'), Buffer.from([0xff, 0x0a])]));
      expect(readLog(`${dir}/console.log`)).toBe('Listening on sshd-unix-local.socke… Local).\n\ufffd\n');
      expect(readLog(`${dir}/absent.log`)).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
