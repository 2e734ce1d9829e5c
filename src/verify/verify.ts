// verify: each artifact booted with each firmware asked for (default: what its partition
// table supports), one boot after another (they share the CPUs), each boot's checks and
// outcome reported as it ends. The artifacts are never written (overlays, unpacked copies).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { UserError } from '../errors.js';
import type { Reporter } from '../run/reporter.js';
import type { Runner } from '../run/runner.js';
import type { Artifact } from './artifacts.js';
import { displayName, expectationsFor } from './expectations.js';
import { type Firmware, readHead, supportedFirmware } from './firmware.js';
import { type BootOutcome, bootDisk } from './qemu.js';
import { type Bootable, bootable } from './unpack.js';
import { type Check, type Expectations, FIRMWARE_NAMES, type Outcome, checksOf, outcomeOf } from './verdict.js';

export interface VerifyOptions {
  /** undefined: what each disk supports; 'all': that and Secure Boot where UEFI is */
  firmware?: Firmware | 'all';
  timeoutSeconds: number;
  memoryMiB: number;
  cpus: number;
  execs: string[];
  manifest?: string;
  users: string[];
  accel?: 'auto' | 'tcg';
}

export interface BootVerdict {
  artifact: string;
  manifest?: string;
  outcome: Outcome;
  boot: BootOutcome;
  checks: Check[];
}

function firmwaresFor(supported: Firmware[], asked: VerifyOptions['firmware'], artifact: string): Firmware[] {
  if (asked === undefined) return supported;
  if (asked === 'all') return [...supported, ...(supported.includes('uefi') ? (['uefi-secure'] as const) : [])];
  const needs = asked === 'bios' ? 'bios' : 'uefi';
  if (!supported.includes(needs)) {
    throw new UserError('usage', `--firmware ${asked}: ${artifact} cannot boot that way (${needs === 'bios' ? 'no BIOS boot partition' : 'no EFI system partition'}; it supports ${supported.join(', ') || 'neither BIOS nor UEFI'})`);
  }
  return [asked];
}

export async function verifyArtifacts(artifacts: Artifact[], options: VerifyOptions, reporter: Reporter, runner: Runner): Promise<BootVerdict[]> {
  const work = await mkdtemp(`${tmpdir()}/dbib-verify-`);
  try {
    // every disk unpacked and read first: how many boots there are is known before the first
    const planned: { artifact: Artifact; name: string; disk: Bootable; scratch: string; firmware: Firmware; expected: Expectations; manifest?: string }[] = [];
    for (const [i, artifact] of artifacts.entries()) {
      const name = displayName(artifact.path);
      const scratch = await mkdtemp(`${work}/${i}-`);
      if (artifact.kind === 'gce' || artifact.kind === 'ova') reporter.progress(`Unpacking ${name}`);
      const disk = await bootable(artifact, scratch, runner);
      const supported = supportedFirmware(await readHead(runner, disk.disk, disk.format));
      if (supported.length === 0) throw new UserError('usage', `${name}: no partition table a firmware boots from (neither a BIOS boot partition nor an EFI system partition)`);
      const found = await expectationsFor(artifact.path, options.manifest, options.users);
      for (const firmware of firmwaresFor(supported, options.firmware, name)) planned.push({ artifact, name, disk, scratch, firmware, ...found });
    }
    const verdicts: BootVerdict[] = [];
    for (const [i, p] of planned.entries()) {
      const title = `Boot ${p.name} (${FIRMWARE_NAMES[p.firmware]})`;
      reporter.phase(i + 1, planned.length, title);
      const boot = await bootDisk(
        {
          disk: p.disk.disk,
          format: p.disk.format,
          firmware: p.firmware,
          questions: { mounts: [...p.expected.mounts, ...p.expected.reportMounts], users: p.expected.users, execs: options.execs.map((command, n) => ({ name: String(n + 1), command })) },
          timeoutSeconds: options.timeoutSeconds,
          memoryMiB: options.memoryMiB,
          cpus: options.cpus,
          workDir: p.scratch,
          name: p.firmware,
          ...(options.accel ? { accel: options.accel } : {}),
        },
        runner,
      );
      const checks = checksOf(boot, p.expected);
      const outcome = outcomeOf(boot, checks);
      const where = `${p.name} (${FIRMWARE_NAMES[p.firmware]})`;
      reporter.event({ type: 'stage-end', stage: i + 1, title, seconds: boot.seconds });
      reporter.event({ type: 'booted', artifact: p.artifact.path, firmware: p.firmware, accel: boot.accel, outcome, seconds: boot.seconds, failed: checks.filter((c) => !c.ok).map((c) => c.name) });
      for (const c of checks.filter((c) => !c.ok)) reporter.error(`${where}: ${c.name}: ${c.detail}`);
      if (outcome === 'boot-timeout') reporter.error(`${where}: no check within ${options.timeoutSeconds} s`);
      if (outcome === 'boot-failed') reporter.error(`${where}: the guest stopped (${boot.end}) before the check ran`);
      verdicts.push({ artifact: p.artifact.path, ...(p.manifest ? { manifest: p.manifest } : {}), outcome, boot, checks });
    }
    return verdicts;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The exit the whole run gives: the worst outcome (a guest that never got to the check,
 * then a time limit, then a failed check). */
export function overallOutcome(verdicts: BootVerdict[]): Outcome {
  for (const o of ['boot-failed', 'boot-timeout', 'verify-failed'] as const) if (verdicts.some((v) => v.outcome === o)) return o;
  return 'pass';
}
