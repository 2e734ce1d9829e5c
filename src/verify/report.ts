// verify's result on stdout: text for people, or --json (its schema: `schema --verify`).
// A failed boot carries the last lines of the guest's console, to show where it stopped.
import Type, { type Static } from 'typebox';
import { EXIT_CODES } from '../errors.js';
import { displayName } from './expectations.js';
import { FIRMWARE_NAMES, type Outcome } from './verdict.js';
import { type BootVerdict, overallOutcome } from './verify.js';

export const REPORT_VERSION = 1 as const;

const strict = { additionalProperties: false } as const;

export const VerifyReport = Type.Object(
  {
    v: Type.Literal(REPORT_VERSION),
    ok: Type.Boolean(),
    outcome: Type.Union([Type.Literal('pass'), Type.Literal('verify-failed'), Type.Literal('boot-timeout'), Type.Literal('boot-failed')]),
    exitCode: Type.Integer(),
    boots: Type.Array(
      Type.Object(
        {
          artifact: Type.String(),
          manifest: Type.Optional(Type.String({ description: 'the build manifest the expectations came from' })),
          firmware: Type.Union([Type.Literal('bios'), Type.Literal('uefi'), Type.Literal('uefi-secure')]),
          secureBoot: Type.Optional(Type.Boolean({ description: 'the guest saw Secure Boot enforced (UEFI only)' })),
          accel: Type.Union([Type.Literal('kvm'), Type.Literal('tcg')]),
          outcome: Type.Union([Type.Literal('pass'), Type.Literal('verify-failed'), Type.Literal('boot-timeout'), Type.Literal('boot-failed')]),
          end: Type.Union([Type.Literal('checked'), Type.Literal('timeout'), Type.Literal('panic'), Type.Literal('exited')]),
          seconds: Type.Number({ description: 'QEMU start to end' }),
          secondsToCheck: Type.Optional(Type.Number({ description: 'QEMU start to the check (the system started)' })),
          multiUserSeconds: Type.Optional(Type.Number({ description: "the guest's kernel start to multi-user.target" })),
          state: Type.Optional(Type.String()),
          failedUnits: Type.Array(Type.String()),
          cmdline: Type.Optional(Type.String()),
          deployment: Type.Optional(Type.String()),
          mounts: Type.Record(Type.String(), Type.Union([Type.Object({ source: Type.String(), fstype: Type.String(), options: Type.String() }, strict), Type.Null()])),
          users: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
          bootc: Type.Optional(Type.Object({ exitCode: Type.Integer(), output: Type.String() }, strict)),
          execs: Type.Array(Type.Object({ command: Type.String(), exitCode: Type.Optional(Type.Integer()), output: Type.String() }, strict)),
          checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() }, strict)),
          consoleTail: Type.Array(Type.String(), { description: "the console's last lines, for a boot that never got to the check" }),
        },
        strict,
      ),
    ),
  },
  strict,
);
export type VerifyReport = Static<typeof VerifyReport>;

export function verifyJsonSchema(): object {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'deb-bootc-image-builder verify --json', ...VerifyReport };
}

export function exitCodeFor(outcome: Outcome): number {
  return outcome === 'pass' ? 0 : EXIT_CODES[outcome];
}

export function toReport(verdicts: BootVerdict[]): VerifyReport {
  const outcome = overallOutcome(verdicts);
  return {
    v: REPORT_VERSION,
    ok: outcome === 'pass',
    outcome,
    exitCode: exitCodeFor(outcome),
    boots: verdicts.map(({ artifact, manifest, outcome, boot, checks }) => {
      const r = boot.report;
      return {
        artifact,
        ...(manifest ? { manifest } : {}),
        firmware: boot.firmware,
        ...(boot.firmware !== 'bios' && r.secureBoot !== undefined ? { secureBoot: r.secureBoot } : {}),
        accel: boot.accel,
        outcome,
        end: boot.end,
        seconds: round(boot.seconds),
        ...(boot.secondsToCheck !== undefined ? { secondsToCheck: round(boot.secondsToCheck) } : {}),
        ...(r.multiUserSeconds !== undefined ? { multiUserSeconds: round(r.multiUserSeconds) } : {}),
        ...(r.state ? { state: r.state } : {}),
        failedUnits: r.failedUnits,
        ...(r.cmdline ? { cmdline: r.cmdline } : {}),
        ...(r.deployment ? { deployment: r.deployment } : {}),
        // what a guest that never got to the check could not say is left out, not reported missing
        mounts: r.reached ? Object.fromEntries(Object.entries(r.mounts).map(([m, v]) => [m, v ?? null])) : {},
        users: r.reached ? Object.fromEntries(Object.entries(r.users).map(([u, v]) => [u, v ?? null])) : {},
        ...(r.bootc ? { bootc: r.bootc } : {}),
        execs: (r.reached ? r.execs : []).map((e) => ({ command: e.command, ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}), output: e.output })),
        checks,
        // where a guest stopped; one that got to the check has told what it had to
        consoleTail: outcome === 'boot-timeout' || outcome === 'boot-failed' ? boot.consoleTail : [],
      };
    }),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

const VERDICT: Record<Outcome, string> = { pass: 'PASS', 'verify-failed': 'FAIL', 'boot-timeout': 'TIMEOUT', 'boot-failed': 'NO CHECK' };

export function reportText(report: VerifyReport): string {
  const out: string[] = [];
  for (const b of report.boots) {
    const timing = [b.multiUserSeconds !== undefined ? `multi-user ${b.multiUserSeconds} s after the kernel` : '', b.secondsToCheck !== undefined ? `checked ${b.secondsToCheck} s after QEMU started` : `${b.seconds} s`].filter(Boolean).join(', ');
    out.push(`${VERDICT[b.outcome]}  ${displayName(b.artifact)}  ${FIRMWARE_NAMES[b.firmware]} (${b.accel})  ${timing}`);
    const width = Math.max(0, ...b.checks.map((c) => c.name.length));
    for (const c of b.checks) out.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
    // the mounts only reported (no check of their own), /var on most disks
    for (const [m, v] of Object.entries(b.mounts).filter(([m]) => !b.checks.some((c) => c.name === `mount ${m}`))) {
      out.push(`  ${m}: ${v ? `${v.source} ${v.fstype} (${v.options})` : 'not mounted'}`);
    }
    if (b.cmdline) out.push(`  cmdline: ${b.cmdline}`);
    for (const [i, e] of b.execs.entries()) {
      out.push(`  exec ${i + 1}: ${e.command}  (exit ${e.exitCode ?? 'none'})`);
      for (const line of e.output.split('\n').filter(Boolean)) out.push(`    ${line}`);
    }
    if (b.outcome !== 'pass' && b.consoleTail.length > 0) {
      out.push('  last console lines:');
      for (const line of b.consoleTail) out.push(`    ${line}`);
    }
  }
  out.push(report.ok ? `verify: ${report.boots.length} boot(s) passed` : `verify: ${report.outcome} (exit ${report.exitCode})`);
  return `${out.join('\n')}\n`;
}
