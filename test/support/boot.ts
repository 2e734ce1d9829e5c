// Boots a disk image in QEMU and reports what the booted system says about itself. A check
// unit and its script are handed to systemd (>= 256) as SMBIOS credentials, so any image
// can be checked without changing it: after multi-user.target the script prints the system
// state, `ostree admin status` and any probes the test asked for to the console, then
// powers off. KVM is tried first; when it is
// missing or cannot run the guest (nested KVM here dies in the kernel's decompressor), the
// boot is retried under TCG.
import { accessSync, constants, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { execa } from 'execa';

export type Firmware = 'bios' | 'uefi';

export interface BootResult {
  firmware: Firmware;
  accel: 'kvm' | 'tcg';
  seconds: number;
  /** container-image-reference of the booted deployment's origin */
  origin?: string;
  /** output of each requested probe, whitespace collapsed */
  probes: Record<string, string>;
  /** the check unit ran, which it does only once multi-user.target is reached */
  reachedMultiUser: boolean;
  /** `systemctl is-system-running --wait` */
  state?: string;
  failedUnits: string[];
  cmdline?: string;
  ostreeStatus: string;
  /** path of the serial console log */
  log: string;
  /** QEMU was stopped at the time limit, before the check finished */
  timedOut: boolean;
  /** the guest kernel panicked (QEMU was stopped at once) */
  panicked: boolean;
}

export interface BootOptions {
  firmware: Firmware;
  /** QEMU's name for the disk format (vpc: VHD) */
  format: 'qcow2' | 'raw' | 'vmdk' | 'vdi' | 'vpc';
  log: string;
  timeoutSeconds?: number;
  /** shell commands run in the booted system after multi-user.target, by name */
  probes?: Record<string, string>;
  /** keep what the guest writes (default: every write goes to a throw-away snapshot) */
  persistent?: boolean;
  /** raw disk images attached read-only as further virtio disks (/dev/vdb, ...) */
  extraDisks?: string[];
  /** let the guest shut down by itself after the check (units that run at shutdown, such as
   * ostree-finalize-staged, get to run), instead of stopping QEMU once the check is printed */
  cleanShutdown?: boolean;
}

const BEGIN = 'DBIB-CHECK-BEGIN';
const END = 'DBIB-CHECK-END';
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

function checkScript(probes: Record<string, string>): string {
  return [
    `echo ${BEGIN}`,
    'echo "state=$(systemctl is-system-running --wait)"',
    'echo "failed=$(systemctl --failed --no-legend --plain | cut -d" " -f1 | tr "\\n" " ")"',
    'echo "cmdline=$(cat /proc/cmdline)"',
    'echo "origin=$(sed -n "s/^container-image-reference=//p" /ostree/deploy/default/deploy/*.origin)"',
    'echo "probe.LANG=$LANG"',
    'export LC_ALL=C',
    ...Object.entries(probes).map(([name, command]) => `echo "probe.${name}=$( { ${command} ; } 2>&1 | tr "\\n" " ")"`),
    'echo ostree-status-begin',
    'ostree admin status',
    'echo ostree-status-end',
    `echo ${END}`,
    'systemctl poweroff',
    '',
  ].join('\n');
}

const CHECK_UNIT = `[Unit]
Description=deb-bootc-image-builder boot check
After=multi-user.target

[Service]
Type=simple
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
ExecStart=/bin/sh /run/credentials/@system/dbib.check
`;

function credential(name: string, value: string): string[] {
  return ['-smbios', `type=11,value=io.systemd.credential.binary:${name}=${Buffer.from(value).toString('base64')}`];
}

export function qemuArgs(disk: string, options: BootOptions, accel: 'kvm' | 'tcg', vars: string): string[] {
  return [
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max']),
    '-m', '2048', '-smp', '2', '-nic', 'none',
    ...(options.firmware === 'uefi'
      ? ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`]
      : []),
    '-drive', `file=${disk},format=${options.format},if=virtio${options.persistent ? '' : ',snapshot=on'}`,
    ...(options.extraDisks ?? []).flatMap((extra) => ['-drive', `file=${extra},format=raw,if=virtio,readonly=on`]),
    '-display', 'none', '-monitor', 'none', '-serial', `file:${options.log}`, '-no-reboot',
    ...credential('systemd.extra-unit.dbib-check.service', CHECK_UNIT),
    ...credential('dbib.check', checkScript(options.probes ?? {})),
    ...credential('systemd.unit-dropin.multi-user.target~dbib-check', '[Unit]\nWants=dbib-check.service\n'),
  ];
}

export async function bootCheck(disk: string, options: BootOptions): Promise<BootResult> {
  if (kvmUsable()) {
    const result = await bootOnce(disk, options, 'kvm');
    if (result) return result;
  }
  const result = await tcgBoot(disk, options);
  // A guest that hangs before the check says where in the serial log's last lines. A
  // throw-away boot is tried once more (the hang is reported either way); a persistent
  // one is not, since the first attempt may have changed the disk. A guest kernel that
  // panics before it leaves the initramfs (seen with sid's kernel 7.2 under TCG with two
  // vCPUs: an int3 oops while a second CPU comes up) has written nothing: tried once more
  // too, persistent or not, and said so.
  const earlyPanic = result.panicked && !readLog(options.log).includes(ROOT_SWITCHED);
  if (!(result.timedOut && !options.persistent) && !earlyPanic) return result;
  const what = result.panicked ? 'the guest kernel panicked before switching root' : `hung: no check after ${result.seconds.toFixed(0)} s`;
  console.log(`boot of ${disk} (${options.firmware}) ${what}; trying once more`);
  return tcgBoot(disk, options);
}

/** The initramfs hands over to the real root (nothing is written on the disk before). */
const ROOT_SWITCHED = 'Switching root';
const PANIC = 'Kernel panic - not syncing';

async function tcgBoot(disk: string, options: BootOptions): Promise<BootResult> {
  const result = await bootOnce(disk, options, 'tcg');
  if (!result) throw new Error(`QEMU (tcg) failed to run ${disk}; see ${options.log}`);
  if (result.timedOut || result.panicked) {
    const tail = readLog(options.log).trimEnd().split('\n').slice(-40).join('\n');
    console.log(`boot of ${disk} (${options.firmware}) ${result.panicked ? 'panicked' : 'timed out'} after ${result.seconds.toFixed(0)} s; last lines of ${options.log}:\n${tail}`);
  }
  return result;
}

function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** undefined when this accelerator could not run the guest at all (caller falls back). */
async function bootOnce(disk: string, options: BootOptions, accel: 'kvm' | 'tcg'): Promise<BootResult | undefined> {
  const vars = `${options.log}.vars.fd`;
  if (options.firmware === 'uefi') copyFileSync(OVMF_VARS, vars);
  rmSync(options.log, { force: true });
  const started = performance.now();
  const qemu = execa('qemu-system-x86_64', qemuArgs(disk, options, accel, vars), {
    reject: false,
    timeout: (options.timeoutSeconds ?? 600) * 1000,
  });
  let broken = false;
  qemu.stderr?.on('data', (chunk: Buffer) => {
    if (accel === 'kvm' && /KVM internal error|emulation failure/.test(chunk.toString())) {
      broken = true;
      qemu.kill('SIGKILL');
    }
  });
  let panicked = false;
  const watch = setInterval(() => {
    const text = readLog(options.log);
    if (!options.cleanShutdown && text.includes(END)) qemu.kill('SIGTERM');
    // a panicked guest never reaches the check: stop it now instead of at the time limit
    if (text.includes(PANIC) && !text.includes(END)) {
      panicked = true;
      qemu.kill('SIGKILL');
    }
  }, 1000);
  const exit = await qemu;
  clearInterval(watch);
  rmSync(vars, { force: true });
  const seconds = (performance.now() - started) / 1000;
  const log = readLog(options.log);
  if (accel === 'kvm' && (broken || (exit.exitCode !== 0 && !log.includes(BEGIN)))) return undefined;
  const timedOut = exit.timedOut && !log.includes(END);
  return { firmware: options.firmware, accel, seconds, log: options.log, timedOut, panicked, ...parseCheck(log) };
}

/** The serial log as text: carriage returns and terminal escape sequences removed. */
function readLog(path: string): string {
  try {
    return stripTerminalCodes(readFileSync(path, 'latin1'));
  } catch {
    return '';
  }
}

export function stripTerminalCodes(text: string): string {
  // eslint-disable-next-line no-control-regex
  // CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), DCS/SOS/PM/APC strings (ESC P, X, ^,
  // _ ... ESC \: newer agetty asks the terminal's name with one), charset selection, other
  // two-byte codes
  return text
    .replaceAll('\r', '')
    .replace(/\x1b(\[[0-9;?!]*[ -\/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[PX^_][^\x1b]*(\x1b\\)?|[()][0-9A-Za-z]|[^[\]])/g, '');
}

export function parseCheck(log: string): Pick<BootResult, 'reachedMultiUser' | 'state' | 'failedUnits' | 'cmdline' | 'origin' | 'ostreeStatus' | 'probes'> {
  const begin = log.lastIndexOf(BEGIN);
  const section = begin >= 0 ? log.slice(begin) : '';
  // a login prompt may share the console line: match after line start, a space or a colon
  const field = (name: string) => new RegExp(`(?:^|[\\s:])${name}=(.*)$`, 'm').exec(section)?.[1]?.trim();
  // getty shares the console: drop its banner and the login prompt a status line may follow
  const status = (/ostree-status-begin\n([\s\S]*?)ostree-status-end/.exec(section)?.[1] ?? '')
    .split('\n')
    .filter((line) => !/^\S+ GNU\/Linux .* tty\w+$/.test(line))
    .map((line) => line.replace(/^\S+ login: /, ''))
    .filter((line) => line.trim() !== '')
    .join('\n');
  return {
    reachedMultiUser: begin >= 0,
    state: field('state'),
    failedUnits: (field('failed') ?? '').split(/\s+/).filter(Boolean),
    cmdline: field('cmdline'),
    origin: field('origin'),
    // probe lines can be preceded by a login prompt written to the same console
    probes: Object.fromEntries([...section.matchAll(/probe\.(\w+)=(.*)$/gm)].map((m) => [m[1] as string, (m[2] as string).replace(/\s+/g, ' ').trim()])),
    ostreeStatus: status.trim(),
  };
}
