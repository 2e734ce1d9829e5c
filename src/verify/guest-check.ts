// What runs inside the booted guest, handed in without changing the image: a unit and its
// script as systemd credentials (SMBIOS type 11, systemd >= 256), pulled into
// multi-user.target by a drop-in. Once the system has started, the script writes what it
// finds to the second serial port (ttyS1, where no getty runs), one key=value a line, free
// text base64-encoded, then powers the guest off. `parseCheck` reads that back.

export const BEGIN = 'DBIB-VERIFY-BEGIN';
export const END = 'DBIB-VERIFY-END';

export interface GuestQuestions {
  /** mountpoints to report (/, /boot, /boot/efi, /var and the config's) */
  mounts: string[];
  /** users that must exist */
  users: string[];
  /** commands run in the guest, each reported with its output and exit code */
  execs: { name: string; command: string }[];
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

export function checkScript(q: GuestQuestions): string {
  const lines = [
    'exec </dev/null',
    'enc() { base64 -w0; }',
    `echo ${BEGIN}`,
    'echo "state=$(systemctl is-system-running --wait)"',
    'echo "failed=$(systemctl --failed --no-legend --plain | cut -d" " -f1 | tr "\\n" " ")"',
    'echo "multiuser_us=$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)"',
    'echo "cmdline=$(enc < /proc/cmdline)"',
    'echo "efi=$([ -d /sys/firmware/efi ] && echo 1 || echo 0)"',
    // the SecureBoot variable: 4 bytes of attributes, then 1 when the firmware enforces it
    'echo "secureboot=$(od -An -tu1 -j4 -N1 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c 2>/dev/null | tr -d " ")"',
    'echo "lockdown=$(cat /sys/kernel/security/lockdown 2>/dev/null | enc)"',
    'echo "lang=$LANG"',
    ...q.mounts.map((m, i) => `echo "mount.${i}=$(findmnt -n -o TARGET,SOURCE,FSTYPE,OPTIONS --mountpoint '${m.replaceAll("'", '')}' | enc)"`),
    'echo "deployment=$(ostree admin status 2>/dev/null | sed -n "s/^\\* //p" | head -1 | enc)"',
    'echo "ostree=$(ostree admin status 2>&1 | enc)"',
    'echo "origin=$(sed -n "s/^container-image-reference=//p" /ostree/deploy/*/deploy/*.origin 2>/dev/null | head -1 | enc)"',
    'if command -v bootc >/dev/null; then out=$(bootc status --format=json 2>&1); echo "bootc.rc=$?"; echo "bootc=$(printf %s "$out" | enc)"; fi',
    ...q.users.map((u, i) => `echo "user.${i}=$(getent passwd '${u.replaceAll("'", '')}' | enc)"`),
    'export LC_ALL=C',
    ...q.execs.map((e, i) => `out=$(sh -c "$(echo ${b64(e.command)} | base64 -d)" 2>&1); echo "exec.${i}.rc=$?"; echo "exec.${i}.out=$(printf %s "$out" | enc)"`),
    `echo ${END}`,
  ];
  return `${lines.join('\n')}\n`;
}

const CHECK_UNIT = `[Unit]
Description=deb-bootc-image-builder verify: report the started system
After=multi-user.target

[Service]
Type=simple
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS1
ExecStart=/bin/sh /run/credentials/@system/dbib.verify
`;

function credential(name: string, value: string): string[] {
  return ['-smbios', `type=11,value=io.systemd.credential.binary:${name}=${b64(value)}`];
}

/** QEMU arguments that hand the check in; `powerOff` appends a poweroff to the script. */
export function checkCredentials(q: GuestQuestions, { powerOff }: { powerOff: boolean }): string[] {
  const script = checkScript(q) + (powerOff ? 'systemctl poweroff\n' : '');
  return [
    ...credential('systemd.extra-unit.dbib-verify.service', CHECK_UNIT),
    ...credential('dbib.verify', script),
    ...credential('systemd.unit-dropin.multi-user.target~dbib-verify', '[Unit]\nWants=dbib-verify.service\n'),
  ];
}

export interface GuestReport {
  /** the check ran: the system got as far as multi-user.target */
  reached: boolean;
  /** the script finished */
  complete: boolean;
  state?: string;
  failedUnits: string[];
  /** seconds from the kernel's start to multi-user.target */
  multiUserSeconds?: number;
  cmdline?: string;
  efi?: boolean;
  secureBoot?: boolean;
  lockdown?: string;
  lang?: string;
  /** by mountpoint: "TARGET SOURCE FSTYPE OPTIONS", or undefined when not mounted */
  mounts: Record<string, { source: string; fstype: string; options: string } | undefined>;
  deployment?: string;
  ostreeStatus: string;
  origin?: string;
  bootc?: { exitCode: number; output: string };
  users: Record<string, string | undefined>;
  execs: { name: string; command: string; exitCode?: number; output: string }[];
}

/** The check's lines (the ttyS1 log) read back against the questions asked. */
export function parseCheck(log: string, q: GuestQuestions): GuestReport {
  const begin = log.lastIndexOf(BEGIN);
  const section = begin >= 0 ? log.slice(begin) : '';
  const fields = new Map<string, string>();
  for (const line of section.split(/\r?\n/)) {
    const at = line.indexOf('=');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  const text = (key: string) => {
    const value = fields.get(key);
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8').trimEnd();
  };
  const number = (key: string) => (fields.get(key) ? Number(fields.get(key)) : undefined);
  const mounts = Object.fromEntries(
    q.mounts.map((m, i) => {
      const [, source, fstype, options] = (text(`mount.${i}`) ?? '').split(/\s+/);
      return [m, source ? { source, fstype: fstype ?? '', options: options ?? '' } : undefined];
    }),
  );
  const multiUser = number('multiuser_us');
  return {
    reached: begin >= 0,
    complete: section.includes(END),
    state: fields.get('state') || undefined,
    failedUnits: (fields.get('failed') ?? '').split(/\s+/).filter(Boolean),
    ...(multiUser ? { multiUserSeconds: multiUser / 1e6 } : {}),
    cmdline: text('cmdline'),
    efi: fields.has('efi') ? fields.get('efi') === '1' : undefined,
    secureBoot: fields.get('secureboot') ? fields.get('secureboot') === '1' : fields.get('efi') === '1' ? false : undefined,
    lockdown: text('lockdown') || undefined,
    lang: fields.get('lang') || undefined,
    mounts,
    deployment: text('deployment') || undefined,
    ostreeStatus: text('ostree') ?? '',
    origin: text('origin') || undefined,
    ...(fields.has('bootc.rc') ? { bootc: { exitCode: Number(fields.get('bootc.rc')), output: text('bootc') ?? '' } } : {}),
    users: Object.fromEntries(q.users.map((u, i) => [u, text(`user.${i}`) || undefined])),
    execs: q.execs.map((e, i) => ({ ...e, ...(fields.has(`exec.${i}.rc`) ? { exitCode: Number(fields.get(`exec.${i}.rc`)) } : {}), output: text(`exec.${i}.out`) ?? '' })),
  };
}
