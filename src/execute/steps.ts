// One handler per kind of plan step. Each acquires at most one resource and registers how
// to release it before doing anything else that could fail.
import { chmod, chown, mkdir, open, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { addPartitions, attachLoop, detachDisk, linkDevices } from '../disk/loop.js';
import { physicalVolumeHead } from '../disk/lvm-metadata.js';
import { mount, mountsUnder, unmount } from '../disk/mount.js';
import { UserError } from '../errors.js';
import { PATHS } from '../plan/paths.js';
import type { Step, StepKind } from '../plan/types.js';
import { meter } from '../run/meter.js';
import type { Runner } from '../run/runner.js';
import { revealSecrets } from '../config/secrets.js';
import { type ArtifactRecord, applyOwner, buildRecord, markReady, publishArtifact, renderChecksums } from './artifacts.js';
import { inRoot } from './buildroot.js';
import { LinkLoop, writeFileInRoot } from './in-root.js';
import { commitLayer } from './commit-layer.js';
import { followReads } from './read-position.js';
import { writeOva } from './ova.js';
import type { ExecContext } from './context.js';

type Handler<K extends StepKind> = (step: Extract<Step, { kind: K }>, ctx: ExecContext, run: Runner) => Promise<void>;

const handlers: { [K in StepKind]: Handler<K> } = {
  async 'scratch-dir'(step, ctx) {
    await mkdir(step.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') {
        throw new UserError(
          step.path.startsWith(PATHS.run) ? 'environment' : 'output',
          `${step.path} already exists: another build is using it, or an earlier one was killed; remove it when no build is running`,
        );
      }
      throw writeError(step.path, error);
    });
    ctx.scratch.push(`remove ${step.path}`, () => removeTree(ctx.runner, step.path));
  },

  async 'mount-image'(step, ctx) {
    const mountpoint = await ctx.podman.mount(step.storage, step.image);
    ctx.resources.push(`podman image unmount ${step.image}`, () => ctx.podman.unmount(step.storage, step.image));
    await mountAndRegister(ctx, mountpoint, step.at, ['bind', 'ro']);
  },

  async 'create-disk'(step) {
    const file = await open(step.path, 'wx').catch((e) => Promise.reject(writeError(step.path, e)));
    try {
      await file.truncate(step.sizeBytes);
    } finally {
      await file.close();
    }
  },

  // Acquiring steps run their commands with ctx.runner, which an interrupt does not cut
  // short, and register the release right after: an interrupt can never fall in between.
  async 'attach-disk'(step, ctx) {
    const disk = await attachLoop(ctx.runner, step.path);
    ctx.resources.push(`detach ${disk.loop}`, () => detachDisk(ctx.runner, disk));
    await addPartitions(ctx.runner, disk, Object.values(step.links).filter((n) => n > 0));
    await linkDevices(disk, step.links, step.linkDir);
  },

  // a logical volume's bytes, written through a loop device over its range of the image
  async 'attach-region'(step, ctx) {
    const region = await attachLoop(ctx.runner, step.path, { offset: step.offsetBytes, size: step.sizeBytes });
    ctx.resources.push(`detach ${region.loop}`, () => detachDisk(ctx.runner, region));
    await linkDevices(region, { [step.link]: 0 }, step.linkDir);
  },

  async 'write-lvm-metadata'(step) {
    const head = physicalVolumeHead(step.volumeGroup, step.sizeBytes, Math.floor(Date.now() / 1000));
    const file = await open(step.path, 'r+');
    try {
      await file.write(head, 0, head.length, step.offsetBytes);
    } finally {
      await file.close();
    }
  },

  async exec(step, ctx, run) {
    // secrets are filled in here, at the last moment; logs and errors show the placeholders
    const reveal = (text: string) => revealSecrets(text, ctx.secrets);
    const argv = step.argv.map(reveal);
    const reads = step.progress?.format === 'reads' ? await readsMeter(step.progress.task, step.progress.file, ctx) : undefined;
    const options = {
      input: step.stdin === undefined ? undefined : reveal(step.stdin),
      env: step.env,
      display: step.argv,
      ...(step.progress?.format === 'qemu-img' ? { onStdoutLine: progressReader(step.progress.task, ctx) } : {}),
      ...(reads ? { onSpawn: reads.follow } : {}),
    };
    try {
      if (step.in === 'builder') await run.run(argv, options);
      else await run.run(inRoot(step.in, argv, { proc: step.proc, binds: step.binds, noFreeze: step.noFreeze }), { ...options, where: `(in ${step.in})` });
      reads?.end();
    } finally {
      reads?.stop();
    }
  },

  async 'commit-layer'(step, ctx, run) {
    await commitLayer(step, run, ctx.measured?.add);
  },

  async mount(step, ctx) {
    await mountAndRegister(ctx, step.source, step.target, step.options);
  },

  // its writable layer on a tmpfs of its own: overlayfs takes no upper directory on the
  // overlay that the builder container's root is
  async 'mount-overlay'(step, ctx) {
    await mountAndRegister(ctx, 'tmpfs', step.scratch, ['mode=0700'], 'tmpfs');
    const [upper, work] = [`${step.scratch}/upper`, `${step.scratch}/work`];
    await mkdir(upper, { recursive: true });
    await mkdir(work, { recursive: true });
    await mountAndRegister(ctx, 'overlay', step.at, [`lowerdir=${step.lower}`, `upperdir=${upper}`, `workdir=${work}`], 'overlay');
  },

  async unmount(step, ctx) {
    const release = ctx.mounted.get(step.target);
    if (!release) throw new Error(`${step.target} was not mounted by this build`);
    ctx.mounted.delete(step.target);
    await release();
  },

  async 'mount-deployment'(step, ctx) {
    // the deployment as a booted system sees it: its tree, with the stateroot's /var
    // (and any /var/* partitions mounted in it) at /var
    await mountAndRegister(ctx, await deploymentDir(step.sysroot, step.stateroot), step.at, ['bind']);
    await mountAndRegister(ctx, `${step.sysroot}/ostree/deploy/${step.stateroot}/var`, `${step.at}/var`, ['rbind']);
  },

  async mkdir(step) {
    await mkdir(step.path, { recursive: true }).catch((e) => Promise.reject(writeError(step.path, e)));
    await chmod(step.path, step.mode);
    if (step.uid !== undefined || step.gid !== undefined) await chown(step.path, step.uid ?? 0, step.gid ?? 0);
  },

  async 'write-file'(step) {
    await mkdir(dirname(step.path), { recursive: true });
    await writeFile(step.path, step.content, { mode: step.mode ?? 0o644 });
  },

  async symlink(step) {
    await rm(step.path, { force: true });
    await symlink(step.target, step.path);
  },

  // resolved inside the deployment: the image's own links can never point the write elsewhere
  async 'deployment-file'(step) {
    const root = await deploymentDir(step.sysroot, step.stateroot);
    await writeFileInRoot(root, step.path, step.content, { mode: step.mode, append: step.append }).catch((error) => {
      if (error instanceof LinkLoop) throw new UserError('image-unsupported', `the image's ${error.message.replace(`${root}`, 'deployment')}`);
      throw error;
    });
  },

  async release(_step, ctx) {
    const failed = await ctx.resources.unwind();
    if (failed.length > 0) throw new UserError('build-failed', `could not release: ${failed.join('; ')}`);
    ctx.ledger.diskReadyAt = performance.now();
  },

  async checksum(step, ctx, run) {
    await hash(step.path, basename(step.path), ctx, run);
  },

  async 'write-ova'(step, ctx, run) {
    await writeOva(step, ctx.ledger, run, run.signal);
  },

  async publish(step, ctx, run) {
    if (!ctx.ledger.ready.has(step.from)) await hash(step.from, basename(step.to), ctx, run);
    await publishArtifact(ctx.plan, ctx.ledger, step.types, step.from, step.to, run.signal).catch((e) => Promise.reject(writeError(step.to, e)));
    const { bytes, allocatedBytes, sha256, seconds } = ctx.ledger.artifacts.at(-1) as ArtifactRecord;
    ctx.reporter.event({ type: 'artifact', path: step.to, artifactType: step.types.join(','), bytes, allocatedBytes, sha256, seconds });
  },

  async 'write-manifest'(step, ctx) {
    await writeResult(ctx, step.path, `${JSON.stringify(ctx.plan, null, 2)}\n`);
  },

  async 'write-checksums'(step, ctx) {
    await writeResult(ctx, step.path, renderChecksums(ctx.ledger.artifacts));
  },

  async 'write-build-record'(step, ctx) {
    await writeResult(ctx, step.path, `${JSON.stringify(buildRecord(ctx.plan, ctx.ledger, Date.now()), null, 2)}\n`);
  },
};

/** qemu-img -p's "(45.00/100%)" updates as progress events. */
export function progressReader(task: string, ctx: ExecContext): (line: string) => void {
  const converted = meter(ctx.reporter, ctx.stage ?? 0, task, 100, 'percent');
  return (line) => {
    const percent = /\((\d+(?:\.\d+)?)\/100%\)/.exec(line)?.[1];
    if (percent !== undefined) converted.set(Math.floor(Number(percent)));
    if (percent !== undefined && Number(percent) >= 100) converted.end();
  };
}

/** Progress as how far a command has read `file` (of its size now). */
async function readsMeter(task: string, file: string, ctx: ExecContext) {
  const read = meter(ctx.reporter, ctx.stage ?? 0, task, (await stat(file)).size);
  let stop = () => {};
  return {
    follow: (group: number) => (stop = followReads(group, basename(file), read.add)),
    end: () => read.end(),
    stop: () => stop(),
  };
}

/** A work file's sha256, its progress shown as "sha256 NAME". */
async function hash(path: string, name: string, ctx: ExecContext, run: Runner): Promise<void> {
  const hashed = meter(ctx.reporter, ctx.stage ?? 0, `sha256 ${name}`, (await stat(path)).size);
  await markReady(ctx.ledger, path, run.signal, hashed.add);
  hashed.end();
}

export function runStep(step: Step, ctx: ExecContext, run: Runner): Promise<void> {
  const handler = handlers[step.kind] as Handler<StepKind>;
  return handler(step as never, ctx, run);
}

/** A small result file, complete or absent: written beside its final name, then renamed. */
async function writeResult(ctx: ExecContext, path: string, content: string): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, content);
    await applyOwner(ctx.plan, partial);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw writeError(path, error);
  }
}

async function mountAndRegister(ctx: ExecContext, source: string, target: string, options?: string[], type?: string) {
  await mount(ctx.runner, source, target, options, type);
  ctx.mounted.set(target, ctx.resources.push(`unmount ${target}`, () => unmount(ctx.runner, target)));
}

/** The one deployment directory of a stateroot (its name holds the commit checksum). */
async function deploymentDir(sysroot: string, stateroot: string): Promise<string> {
  const deployments = `${sysroot}/ostree/deploy/${stateroot}/deploy`;
  const dirs = (await readdir(deployments)).filter((name) => /^[0-9a-f]{64}\.\d+$/.test(name));
  if (dirs.length !== 1) {
    throw new UserError(
      'build-failed',
      `the deployment left ${dirs.length} deployments in ${deployments}, where one was expected (the image's ostree or bootc deployed differently): rerun with --log-level debug and report it`,
    );
  }
  return `${deployments}/${dirs[0]}`;
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only filesystem',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'the directory does not exist',
};

/** Filesystem failures while writing results are the output directory's problem (exit 7). */
function writeError(path: string, error: unknown): unknown {
  const why = WRITE_ERRORS[(error as NodeJS.ErrnoException).code ?? ''];
  return why ? new UserError('output', `cannot write ${path}: ${why}`) : error;
}

/** Removes a scratch tree, refusing while anything is still mounted inside it. */
async function removeTree(runner: Runner, path: string): Promise<void> {
  const mounted = await mountsUnder(path);
  if (mounted.length > 0) {
    throw new UserError('build-failed', `not removing ${path}: still mounted: ${mounted.join(', ')} (something outside the build holds them; see /proc/mounts)`);
  }
  await runner.run(['rm', '-rf', '--one-file-system', path]);
}
