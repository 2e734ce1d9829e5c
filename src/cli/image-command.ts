// Options shared by the commands that read an image (build, manifest, inspect), with the
// names and meanings bootc-image-builder gives them, and the acquire -> inspect -> plan
// pipeline.
import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import { acquireImage } from '../image/acquire.js';
import type { ImageFacts } from '../image/facts.js';
import { inspectImage } from '../image/inspect.js';
import { USER_STORAGE, builderStore } from '../image/store.js';
import { parseImageRef } from '../image/transport.js';
import { parseInstaller } from '../plan/installer.js';
import { planBuild } from '../plan/build-plan.js';
import type { ExportOptions, Plan } from '../plan/types.js';
import type { Reporter } from '../run/reporter.js';
import { ReportingCommand } from './reporting-command.js';
import { abortedMeanwhile } from '../run/interrupt.js';
import { createRunner } from '../run/runner.js';
import { VERSION } from '../version.js';
import { effectiveCustomizations, withBakedLayout } from '../config/baked.js';
import { loadConfig } from '../config/load.js';
import type { Secrets } from '../config/secrets.js';
import { ConfigError, configErrorAt } from '../config/source.js';
import { customizationProbes } from '../plan/customize.js';
import { configPathQuestions } from '../plan/image-paths.js';
import type { Questions } from '../image/system.js';
import { checkTargetArch, ociArch, parseBoolean, parseDiskSize, parsePullPolicy, parseTypes, parseVmdkSubformat } from './parse-options.js';


/** Options every image-reading command has. */
export abstract class ImageCommand extends ReportingCommand {
  pull = Option.String('--pull', {
    description: 'when to pull: missing (bare names not in local storage), always, never (never touch the network) [default: missing]',
  });

  tlsVerify = Option.String('--tls-verify', { description: 'verify registry TLS certificates (true/false) [default: true]' });

  image = Option.String({ name: 'IMAGE' });

  /** acquire -> inspect: the image's facts. Needs read access to where the image is. */
  protected async inspectFacts(reporter: Reporter, signal?: AbortSignal, questions: Questions = { probes: [] }): Promise<ImageFacts> {
    const source = parseImageRef(this.image);
    const pull = parsePullPolicy(this.pull);
    const tlsVerify = parseBoolean('--tls-verify', this.tlsVerify, true);
    try {
      const acquired = await acquireImage(source, {
        runner: createRunner(reporter, signal),
        reporter,
        pull,
        tlsVerify,
        env: process.env,
        userStorage: USER_STORAGE,
        store: builderStore(),
        hostArch: ociArch(process.arch),
      });
      const facts = await inspectImage(source, acquired, questions, signal);
      // an interrupt may have cut a decompressor short: what was read then proves nothing
      signal?.throwIfAborted();
      return facts;
    } catch (error) {
      if (await abortedMeanwhile(signal)) throw signal?.reason;
      throw error;
    }
  }
}

/** Options of the commands that plan a disk (build, manifest). */
export abstract class PlanCommand extends ImageCommand {
  types = Option.Array('--type', {
    description: 'disk image type to make; repeat or separate with commas (qcow2, raw, vmdk, vdi, vhd, ami, gce, ova) [default: qcow2]',
  });

  size = Option.String('--size', {
    description: 'disk size, exactly (e.g. "20 GiB"), or auto for the smallest disk that fits [default: 10 GiB, more if the image needs it]',
  });

  qcow2Compressed = Option.Boolean('--qcow2-compressed', false, { description: 'compress the qcow2 (smaller download, slower to write)' });

  vmdkSubformat = Option.String('--vmdk-subformat', {
    description: 'streamOptimized (vSphere, OVA) or monolithicSparse (VMware Workstation) [default: streamOptimized]',
  });

  rootfs = Option.String('--rootfs', {
    description: 'root filesystem type (ext4) [default: from the image, else ext4]',
  });

  installer = Option.String('--installer', {
    description: "who deploys the image: bootc (the image's own), bootupd (ostree deploy, then the image's bootupd), native (ostree and GRUB from the image) [default: auto, from what the image has]",
  });

  output = Option.String('--output', '.', { description: 'directory that receives the artifacts [default: .]' });

  targetImgref = Option.String('--target-imgref', {
    description: 'image the deployed system updates from [default: IMAGE as given]',
  });

  noDefaultKernelArgs = Option.Boolean('--no-default-kernel-args', false, {
    description: 'do not add "rw console=tty0 console=ttyS0" to the kernel command line',
  });

  targetArch = Option.String('--target-arch', { description: 'architecture of the disk (amd64 only)' });

  config = Option.String('--config', {
    description: 'build config (TOML, JSON or YAML by extension; - for JSON on stdin) [default: /config.toml or /config.json]',
  });

  local = Option.Boolean('--local', false, { hidden: true });

  protected override get outputDir(): string {
    return resolve(this.output);
  }

  /** config -> acquire -> inspect -> plan. */
  protected async planFromImage(reporter: Reporter, signal?: AbortSignal, owner?: ExportOptions['owner']): Promise<{ plan: Plan; secrets: Secrets }> {
    const types = parseTypes(this.types);
    const installer = parseInstaller(this.installer);
    const size = parseDiskSize(this.size);
    const exportOptions = { qcow2Compressed: this.qcow2Compressed, vmdkSubformat: parseVmdkSubformat(this.vmdkSubformat), ...(owner ? { owner } : {}) };
    checkTargetArch(this.targetArch);
    if (this.local) reporter.warn('--local has no effect: local storage is always searched first');
    const config = await loadConfig(this.config, this.context.stdin);
    const facts = await this.inspectFacts(reporter, signal, {
      probes: customizationProbes(config.customizations),
      paths: (baked) => configPathQuestions(effectiveCustomizations(config.customizations, this.image, baked)),
    });
    signal?.throwIfAborted();
    const customizations = withBakedLayout(config, facts, reporter);
    let plan: Plan;
    try {
      plan = planBuild(
        facts,
        {
          types,
          outputDir: this.outputDir,
          rootfs: this.rootfs,
          targetImgref: this.targetImgref,
          noDefaultKargs: this.noDefaultKernelArgs,
          hostArch: ociArch(process.arch),
          customizations,
          size,
          exportOptions,
          installer,
        },
        VERSION,
      );
    } catch (error) {
      if (error instanceof ConfigError && config.source) throw configErrorAt(config.source, error);
      throw error;
    }
    reporter.info(`installer: ${plan.installer.kind} (${plan.installer.reason})`);
    for (const warning of plan.warnings) reporter.warn(warning);
    return { plan, secrets: config.secrets };
  }
}
