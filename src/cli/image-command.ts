// Options shared by the commands that plan a disk from an image (build, manifest), with the
// names and meanings bootc-image-builder gives them, and the inspect -> plan pipeline.
import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import { inspectImage } from '../image/inspect.js';
import { findStoredImage } from '../image/storage.js';
import { planBuild } from '../plan/build-plan.js';
import type { Plan } from '../plan/types.js';
import { createReporter, type Reporter } from '../run/reporter.js';
import { VERSION } from '../version.js';
import { checkTargetArch, parseLogLevel, parseTypes } from './parse-options.js';
import { checkStorageMounted } from './preflight.js';

export abstract class ImageCommand extends Command {
  types = Option.Array('--type', {
    description: 'disk image type to make; repeat or separate with commas (qcow2, raw) [default: qcow2]',
  });

  rootfs = Option.String('--rootfs', {
    description: 'root filesystem type (ext4) [default: from the image, else ext4]',
  });

  output = Option.String('--output', '.', { description: 'directory that receives the artifacts [default: .]' });

  targetImgref = Option.String('--target-imgref', {
    description: 'image the deployed system updates from [default: IMAGE as given]',
  });

  noDefaultKernelArgs = Option.Boolean('--no-default-kernel-args', false, {
    description: 'do not add "rw console=tty0 console=ttyS0" to the kernel command line',
  });

  targetArch = Option.String('--target-arch', { description: 'architecture of the disk (amd64 only)' });

  logLevel = Option.String('--log-level', { description: 'error, warn, info or debug [default: warn]' });

  verbose = Option.Boolean('-v,--verbose', false, { description: 'same as --log-level info' });

  local = Option.Boolean('--local', false, { hidden: true });

  image = Option.String({ name: 'IMAGE' });

  protected createReporter(): Reporter {
    return createReporter({ level: parseLogLevel(this.logLevel, this.verbose), stream: this.context.stderr });
  }

  protected get outputDir(): string {
    return resolve(this.output);
  }

  /** inspect -> plan. Needs read access to the container storage and nothing else. */
  protected async planFromImage(reporter: Reporter): Promise<Plan> {
    const types = parseTypes(this.types);
    checkTargetArch(this.targetArch);
    if (this.local) reporter.warn('--local has no effect: images are always taken from local storage');
    await checkStorageMounted();
    const facts = await inspectImage(this.image, await findStoredImage(this.image));
    return planBuild(
      facts,
      {
        types,
        outputDir: this.outputDir,
        rootfs: this.rootfs,
        targetImgref: this.targetImgref,
        noDefaultKargs: this.noDefaultKernelArgs,
      },
      VERSION,
    );
  }
}
