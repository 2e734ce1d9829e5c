// One boot of a disk in QEMU, the guest check handed in (guest-check.ts). The disk is never
// written: the guest writes to a qcow2 overlay in the work directory (unless `persistent`).
// KVM is tried first; when it is missing or cannot run the guest (nested KVM that dies in
// the kernel's decompressor), the boot is done again under TCG, and the outcome says which.
import { accessSync, constants } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.js';
import type { Runner } from '../run/runner.js';
import type { Firmware } from './firmware.js';
import { BEGIN, END, type GuestQuestions, type GuestReport, checkCredentials, parseCheck } from './guest-check.js';
import { lastLines, readLog } from './serial-log.js';

export interface BootRequest {
  disk: string;
  /** QEMU's name for its format (vpc: VHD) */
  format: string;
  firmware: Firmware;
  questions: GuestQuestions;
  timeoutSeconds: number;
  memoryMiB: number;
  cpus: number;
  /** logs, the overlay and the UEFI variables go here; `name` tells this boot's apart */
  workDir: string;
  name: string;
  /** keep what the guest writes on the disk itself (tests of updates) */
  persistent?: boolean;
  /** raw disk images attached read-only as further virtio disks (/dev/vdb, ...) */
  extraDisks?: string[];
  /** let the guest shut down by itself after the check (units that run at shutdown get to
   * run), instead of stopping QEMU once the check is written */
  cleanShutdown?: boolean;
  /** 'tcg': do not try KVM (a host whose KVM cannot run the guest) */
  accel?: 'auto' | 'tcg';
}

export type BootEnd = 'checked' | 'timeout' | 'panic' | 'exited';

export interface BootOutcome {
  firmware: Firmware;
  accel: 'kvm' | 'tcg';
  end: BootEnd;
  /** QEMU's start to its end */
  seconds: number;
  /** QEMU's start to the first line of the check */
  secondsToCheck?: number;
  /** the console log (ttyS0) and the check's (ttyS1) */
  consoleLog: string;
  checkLog: string;
  consoleTail: string[];
  report: GuestReport;
}

const OVMF = {
  uefi: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' },
  // Microsoft's keys enrolled: Debian's shim is signed by Microsoft's UEFI CA
  'uefi-secure': { code: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' },
} as const;

const PANIC = 'Kernel panic - not syncing';
const POLL_MS = 500;

function usable(path: string, mode = constants.R_OK): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** What this machine lacks to boot with `firmware`, as an error that says what to install. */
export function checkBootTools(firmware: Firmware): void {
  if (firmware !== 'bios') {
    const { code, vars } = OVMF[firmware];
    if (!usable(code) || !usable(vars)) throw new UserError('environment', `${firmware} boots need OVMF (${code}, ${vars}): install the ovmf package, or use the builder image, which has it`);
  }
}

export function qemuArgs(req: BootRequest, disk: string, format: string, accel: 'kvm' | 'tcg', vars: string, logs: { console: string; check: string }): string[] {
  const secure = req.firmware === 'uefi-secure';
  return [
    ...(secure ? ['-machine', 'q35,smm=on', '-global', 'driver=cfi.pflash01,property=secure,value=on'] : []),
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max']),
    '-m', String(req.memoryMiB), '-smp', String(req.cpus), '-nic', 'none',
    ...(req.firmware === 'bios' ? [] : ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF[req.firmware].code}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`]),
    '-drive', `file=${disk},format=${format},if=virtio`,
    ...(req.extraDisks ?? []).flatMap((extra) => ['-drive', `file=${extra},format=raw,if=virtio,readonly=on`]),
    '-display', 'none', '-monitor', 'none', '-no-reboot',
    '-serial', `file:${logs.console}`, '-serial', `file:${logs.check}`,
    ...checkCredentials(req.questions, { powerOff: true }),
  ];
}

export async function bootDisk(req: BootRequest, runner: Runner): Promise<BootOutcome> {
  checkBootTools(req.firmware);
  let disk = resolve(req.disk);
  let format = req.format;
  const overlay = `${req.workDir}/${req.name}.overlay.qcow2`;
  if (!req.persistent) {
    await runner.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', format, '-b', disk, overlay]);
    [disk, format] = [overlay, 'qcow2'];
  }
  try {
    if (req.accel !== 'tcg' && usable('/dev/kvm', constants.R_OK | constants.W_OK)) {
      const outcome = await bootOnce(req, disk, format, 'kvm', runner.signal);
      if (outcome) return outcome;
    }
    const outcome = await bootOnce(req, disk, format, 'tcg', runner.signal);
    if (!outcome) throw new UserError('environment', `QEMU could not run ${req.disk}; see ${req.workDir}/${req.name}.console.log`);
    return outcome;
  } finally {
    if (!req.persistent) await rm(overlay, { force: true });
  }
}

/** undefined when KVM could not run the guest at all (the caller falls back to TCG). */
async function bootOnce(req: BootRequest, disk: string, format: string, accel: 'kvm' | 'tcg', signal?: AbortSignal): Promise<BootOutcome | undefined> {
  const logs = { console: `${req.workDir}/${req.name}.console.log`, check: `${req.workDir}/${req.name}.check.log` };
  const vars = `${req.workDir}/${req.name}.vars.fd`;
  if (req.firmware !== 'bios') await copyFile(OVMF[req.firmware].vars, vars);
  await Promise.all([rm(logs.console, { force: true }), rm(logs.check, { force: true })]);
  const started = performance.now();
  const qemu = execa('qemu-system-x86_64', qemuArgs(req, disk, format, accel, vars, logs), {
    reject: false,
    timeout: req.timeoutSeconds * 1000,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  let broken = false;
  qemu.stderr?.on('data', (chunk: Buffer) => {
    if (accel === 'kvm' && /KVM internal error|emulation failure/.test(chunk.toString())) {
      broken = true;
      qemu.kill('SIGKILL');
    }
  });
  let panicked = false;
  let secondsToCheck: number | undefined;
  const watch = setInterval(() => {
    const check = readLog(logs.check);
    if (secondsToCheck === undefined && check.includes(BEGIN)) secondsToCheck = (performance.now() - started) / 1000;
    if (!req.cleanShutdown && check.includes(END)) qemu.kill('SIGTERM');
    // a panicked guest never gets to the check: stopped now, not at the time limit
    if (readLog(logs.console).includes(PANIC) && !check.includes(END)) {
      panicked = true;
      qemu.kill('SIGKILL');
    }
  }, POLL_MS);
  const exit = await qemu;
  clearInterval(watch);
  await rm(vars, { force: true });
  signal?.throwIfAborted();
  const seconds = (performance.now() - started) / 1000;
  const [console, check] = [readLog(logs.console), readLog(logs.check)];
  if (accel === 'kvm' && (broken || (exit.exitCode !== 0 && !check.includes(BEGIN)))) return undefined;
  if (!check.includes(BEGIN) && exit.exitCode !== 0 && !exit.timedOut && !panicked && !exit.isTerminated) {
    throw new UserError('environment', `QEMU failed (${exit.exitCode}): ${lastLines(String(exit.stderr), 3).join(' | ')}`);
  }
  const report = parseCheck(check, req.questions);
  const end: BootEnd = report.complete ? 'checked' : panicked ? 'panic' : exit.timedOut ? 'timeout' : 'exited';
  return {
    firmware: req.firmware,
    accel,
    end,
    seconds,
    ...(secondsToCheck !== undefined ? { secondsToCheck } : {}),
    consoleLog: logs.console,
    checkLog: logs.check,
    consoleTail: lastLines(console),
    report,
  };
}
