// `verify ARTIFACT...` (or an output directory): boot each disk in QEMU, unmodified, and
// report what the started system shows, with a verdict a pipeline can gate on (exit 0, or
// verify-failed / boot-timeout / boot-failed). Text on stdout, or --json.
import { Command, Option } from 'clipanion';
import { UserError } from '../errors.js';
import { trapInterrupts } from '../run/interrupt.js';
import { createRunner } from '../run/runner.js';
import { findArtifacts } from '../verify/artifacts.js';
import { FIRMWARES, type Firmware } from '../verify/firmware.js';
import { reportText, toReport } from '../verify/report.js';
import { verifyArtifacts } from '../verify/verify.js';
import { ReportingCommand } from './reporting-command.js';

const FIRMWARE_CHOICES = [...FIRMWARES, 'all'] as const;

export function parsePositive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new UserError('usage', `${name} ${value} is not a whole number above 0`);
  return Number(value);
}

export function parseFirmware(value: string | undefined): Firmware | 'all' | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if (!(FIRMWARE_CHOICES as readonly string[]).includes(value)) throw new UserError('usage', `--firmware ${value} is not a firmware; choose from auto, ${FIRMWARE_CHOICES.join(', ')}`);
  return value as Firmware | 'all';
}

export class VerifyCommand extends ReportingCommand {
  static override paths = [['verify']];

  static override usage = Command.Usage({
    description: 'boot disk images in QEMU and check that the system starts (exit 0), with a report',
    details: `
      Each artifact is booted unmodified (writes go to a throw-away overlay), KVM when it works and TCG otherwise, with a check handed in as systemd credentials. It reports the system state, failed units, the kernel command line, mounts, the booted ostree deployment, bootc status, the config's users and the output of each --exec. Exit codes: 0 every boot passed, 20 a check failed, 21 the time limit was hit, 22 the guest never got to the check.
    `,
    examples: [
      ['Every artifact of a build', '$0 verify /output'],
      ['One disk under UEFI with Secure Boot, and a smoke test of your own', "$0 verify --firmware uefi-secure --exec 'systemctl is-active sshd' /output/qcow2/disk.qcow2"],
    ],
  });

  firmware = Option.String('--firmware', { description: 'bios, uefi, uefi-secure, all (with Secure Boot) or auto: what the disk supports [default: auto]' });

  timeout = Option.String('--timeout', { description: 'seconds each boot may take to reach the check [default: 600]' });

  memory = Option.String('--memory', { description: 'guest memory in MiB [default: 2048]' });

  cpus = Option.String('--cpus', { description: 'guest CPUs [default: 2]' });

  execs = Option.Array('--exec', [], { description: 'a shell command run in the started guest; it must exit 0 (repeatable)' });

  users = Option.Array('--user', [], { description: 'a user that must exist (besides the config users the build manifest lists; repeatable)' });

  manifest = Option.String('--manifest', { description: "the build manifest the expectations come from [default: the manifest-*.json beside the builder's output layout]" });

  tcg = Option.Boolean('--no-kvm', false, { description: 'do not try KVM' });

  json = Option.Boolean('--json', false, { description: 'print the report as JSON (schema: schema --verify)' });

  artifacts = Option.Rest({ required: 1, name: 'ARTIFACT|OUTPUT-DIR' });

  override async execute(): Promise<number> {
    const reporter = this.createReporter();
    const options = {
      firmware: parseFirmware(this.firmware),
      timeoutSeconds: parsePositive('--timeout', this.timeout, 600),
      memoryMiB: parsePositive('--memory', this.memory, 2048),
      cpus: parsePositive('--cpus', this.cpus, 2),
      execs: this.execs,
      users: this.users,
      ...(this.manifest ? { manifest: this.manifest } : {}),
      ...(this.tcg ? { accel: 'tcg' as const } : {}),
    };
    const artifacts = await findArtifacts(this.artifacts);
    const controller = new AbortController();
    const untrap = trapInterrupts(controller, reporter);
    const started = performance.now();
    try {
      const report = toReport(await verifyArtifacts(artifacts, options, reporter, createRunner(reporter, controller.signal)));
      this.context.stdout.write(this.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
      reporter.event({ type: 'build-end', ok: report.ok, exitCode: report.exitCode, seconds: (performance.now() - started) / 1000 });
      return report.exitCode;
    } finally {
      untrap();
    }
  }
}
