// Fixed paths the plan refers to. Everything a command touches lives under RUN (bind-mounted
// at the same path into the image buildroot, so builder and image commands share one
// vocabulary); big files live in a work directory inside the output directory, so the raw
// disk becomes an artifact by rename, never by copy.
import type { Step } from './types.js';

export const RUN = '/run/deb-bootc-image-builder';

export const PATHS = {
  run: RUN,
  /** the source image, mounted read-only */
  source: `${RUN}/source`,
  /** the source image as a writable overlay, for the image's bootc; its writes go to files/ */
  imageRw: `${RUN}/image-rw`,
  /** the new root filesystem (ostree sysroot) */
  target: `${RUN}/target`,
  /** the new /boot filesystem, mounted in the sysroot */
  boot: `${RUN}/target/boot`,
  /** links to the disk's loop device and its partitions, by role */
  dev: `${RUN}/dev`,
  /** small generated files (skip list, origin, ESP config) */
  files: `${RUN}/files`,
  /** the tree overlaid on the image at commit time (usr/etc) */
  stage: `${RUN}/files/stage`,
  /** the deployment (with its stateroot /var), where customizations are applied */
  deployment: `${RUN}/deployment`,
} as const;

export const device = (role: string) => `${PATHS.dev}/${role}`;

/** A file of the new deployment's /etc (path relative to it), written (or appended to) inside it. */
export function etcFile(stateroot: string, path: string, content: string, options: { mode?: number; append?: boolean } = {}): Step {
  const { mode = 0o644, append } = options;
  return { kind: 'deployment-file', sysroot: PATHS.target, stateroot, path: `etc/${path}`, content, mode, ...(append ? { append } : {}) };
}
export const repo = `${PATHS.target}/ostree/repo`;

/** Work directory for the disk and conversions, inside the output directory. */
export function workDir(outputDir: string): string {
  return `${outputDir.replace(/\/+$/, '')}/.deb-bootc-image-builder.work`;
}
