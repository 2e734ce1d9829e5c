// `build IMAGE` (also the default command): make the disk images. Prints the path of each
// artifact on stdout; progress and logs go to stderr.
import { join } from 'node:path';
import { Command, Option } from 'clipanion';
import { newLedger } from '../execute/artifacts.js';
import { executePlan } from '../execute/execute.js';
import { Podman } from '../image/podman.js';
import { CleanupStack } from '../run/cleanup.js';
import { trapInterrupts } from '../run/interrupt.js';
import { createRunner } from '../run/runner.js';
import { PlanCommand } from './image-command.js';
import { findArtifacts } from '../verify/artifacts.js';
import { reportText, toReport } from '../verify/report.js';
import { verifyArtifacts } from '../verify/verify.js';
import { parseOwner } from './parse-options.js';
import { formatBytes } from '../config/size.js';
import { AlreadyReported, describeError, errorIdOf, exitCodeOf } from '../errors.js';
import type { Reporter } from '../run/reporter.js';
import { checkBuilderWritable, checkFileSize, checkFreeSpace, checkOutputDir, checkPrivileges, checkRoot, staleArtifacts, staleArtifactsWarning } from './preflight.js';

export class BuildCommand extends PlanCommand {
  static override paths = [['build'], Command.Default];

  static override usage = Command.Usage({
    description: 'build bootable disk images from a bootc container image',
    details: `
      IMAGE is taken from the container storage mounted at /var/lib/containers/storage.
      Artifacts are written in bootc-image-builder's layout (qcow2/disk.qcow2, image/disk.raw,
      vmdk/disk.vmdk, vdi/disk.vdi, vpc/disk.vhd, gce/image.tar.gz, archive/disk.ova), with
      SHA256SUMS and build-record.json beside them.
    `,
    examples: [
      ['Build a qcow2 disk', '$0 build --type qcow2 localhost/my-bootc-image'],
      ['Build qcow2 and raw into ./output', '$0 --type qcow2,raw --output ./output localhost/my-bootc-image'],
    ],
  });

  chown = Option.String('--chown', { description: 'owner (UID[:GID]) of everything the build writes in the output directory' });

  verify = Option.Boolean('--verify', false, { description: 'then boot each artifact in QEMU as `verify` does (its report on stderr; its exit code when a boot fails)' });

  override async execute(): Promise<number> {
    const reporter = this.createReporter();
    const controller = new AbortController();
    const untrap = trapInterrupts(controller, reporter);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const outputs = await this.build(reporter, controller, started);
      const exitCode = this.verify ? await this.verifyOutputs(outputs, reporter, controller.signal) : 0;
      reporter.event({ type: 'build-end', ok: exitCode === 0, exitCode, seconds: seconds() });
      return exitCode;
    } catch (error) {
      const exitCode = exitCodeOf(error);
      reporter.event({ type: 'build-end', ok: false, exitCode, seconds: seconds(), error: { id: errorIdOf(error), message: describeError(error) } });
      // the json stream on stderr carries the failure: one more line there would break it
      if (reporter.mode === 'json' && this.progressFd === undefined && this.progressFile === undefined) throw new AlreadyReported(error);
      throw error;
    } finally {
      untrap();
    }
  }

  /** build --verify: the artifacts booted, the report on stderr (stdout keeps the paths). */
  private async verifyOutputs(paths: string[], reporter: Reporter, signal: AbortSignal): Promise<number> {
    const options = { timeoutSeconds: 600, memoryMiB: 2048, cpus: 2, execs: [], users: [] };
    const report = toReport(await verifyArtifacts(await findArtifacts(paths), options, reporter, createRunner(reporter, signal)));
    this.context.stderr.write(reportText(report));
    return report.exitCode;
  }

  /** The artifacts' paths, once built. */
  private async build(reporter: Reporter, controller: AbortController, started: number): Promise<string[]> {
    const owner = parseOwner(this.chown);
    checkRoot();
    await checkBuilderWritable();
    const { plan, secrets } = await this.planFromImage(reporter, controller.signal, owner);
    await checkPrivileges(plan.image.storage);
    await checkOutputDir(this.outputDir);
    const stale = await staleArtifacts(this.outputDir, plan.outputs);
    if (stale.length > 0) reporter.warn(staleArtifactsWarning(this.outputDir, stale));
    await checkFileSize(this.outputDir, plan.disk.sizeBytes, this.size !== undefined && this.size !== 'auto' ? `--size ${this.size}` : `a disk of ${formatBytes(plan.disk.sizeBytes)}`);
    await checkFreeSpace(plan.space);
    controller.signal.throwIfAborted();
    reporter.event({
      type: 'build-start',
      image: plan.image.ref,
      id: plan.image.id,
      ...(plan.image.digest ? { digest: plan.image.digest } : {}),
      types: plan.outputs.map((o) => o.type),
      installer: plan.installer.kind,
      stages: plan.stages.length,
      diskBytes: plan.disk.sizeBytes,
    });
    const runner = createRunner(reporter);
    const ctx = {
      plan,
      runner,
      reporter,
      podman: new Podman(runner),
      resources: new CleanupStack(reporter),
      scratch: new CleanupStack(reporter),
      secrets,
      mounted: new Map(),
      ledger: newLedger(),
    };
    await executePlan(ctx, controller.signal);
    const paths = [...new Set(plan.outputs.map((o) => join(this.outputDir, o.path)))];
    for (const path of paths) this.context.stdout.write(`${path}\n`);
    reporter.info(`built ${plan.outputs.map((o) => o.type).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return paths;
  }
}
