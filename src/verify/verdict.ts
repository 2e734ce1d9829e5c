// From what a boot showed to a verdict: each check passed or failed with what was seen, and
// the outcome a pipeline gates on (README "Exit codes"): pass, a check failed, the time limit
// hit, or a guest that never got to the check (it stopped, panicked, or powered off first).
import type { ErrorId } from '../errors.js';
import type { Firmware } from './firmware.js';
import type { BootOutcome } from './qemu.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export type Outcome = 'pass' | Extract<ErrorId, 'verify-failed' | 'boot-timeout' | 'boot-failed'>;

export interface Expectations {
  mounts: string[];
  users: string[];
  /** informational mounts (reported, never failing): /boot/efi, /var when no plan says */
  reportMounts: string[];
}

/** Without a manifest: / must be mounted; /boot, /boot/efi and /var are only reported. */
export const DEFAULT_EXPECTATIONS: Expectations = { mounts: ['/'], users: [], reportMounts: ['/boot', '/boot/efi', '/var'] };

export function checksOf(boot: BootOutcome, expected: Expectations): Check[] {
  const r = boot.report;
  if (!r.reached) return [];
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add('system running', r.state === 'running', `systemctl is-system-running: ${r.state ?? 'no answer'}`);
  add('no failed units', r.failedUnits.length === 0, r.failedUnits.length === 0 ? 'none' : r.failedUnits.join(' '));
  const uefi = boot.firmware !== 'bios';
  add('firmware', r.efi === uefi, `booted ${r.efi ? 'UEFI' : 'BIOS'}${uefi ? `; Secure Boot ${r.secureBoot ? 'enforced' : 'off'}` : ''}`);
  if (boot.firmware === 'uefi-secure') add('secure boot enforced', r.secureBoot === true, `SecureBoot variable ${r.secureBoot ? '1' : '0 or absent'}; kernel lockdown: ${r.lockdown ?? 'none'}`);
  for (const m of expected.mounts) {
    const seen = r.mounts[m];
    add(`mount ${m}`, seen !== undefined, seen ? `${seen.source} ${seen.fstype} (${seen.options})` : 'not mounted');
  }
  add('ostree deployment booted', r.deployment !== undefined, r.deployment ?? 'no booted deployment in ostree admin status');
  if (r.bootc) add('bootc status', r.bootc.exitCode === 0, r.bootc.exitCode === 0 ? bootcSummary(r.bootc.output) : `exit ${r.bootc.exitCode}: ${r.bootc.output.split('\n').slice(-2).join(' ')}`);
  for (const u of expected.users) add(`user ${u}`, r.users[u] !== undefined, r.users[u] ?? 'absent (getent passwd)');
  for (const e of r.execs) add(`exec ${e.name}`, e.exitCode === 0, `exit ${e.exitCode ?? 'none (did not finish)'}`);
  return checks;
}

/** The booted image and its version from bootc's JSON status. */
function bootcSummary(json: string): string {
  try {
    const status = JSON.parse(json) as { status?: { booted?: { image?: { image?: { image?: string }; version?: string } } } };
    const booted = status.status?.booted?.image;
    return booted ? `booted ${booted.image?.image ?? '?'}${booted.version ? ` ${booted.version}` : ''}` : 'no booted image';
  } catch {
    return 'not JSON';
  }
}

export function outcomeOf(boot: BootOutcome, checks: Check[]): Outcome {
  if (boot.end === 'timeout' && !boot.report.complete) return 'boot-timeout';
  if (!boot.report.reached || !boot.report.complete) return 'boot-failed';
  return checks.every((c) => c.ok) ? 'pass' : 'verify-failed';
}

export const FIRMWARE_NAMES: Record<Firmware, string> = { bios: 'BIOS', uefi: 'UEFI', 'uefi-secure': 'UEFI Secure Boot' };
