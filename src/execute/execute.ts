// Carries out a plan: stages in order, the lanes of a stage concurrently. When a lane fails
// its siblings are stopped; whatever happens, everything acquired is released before this
// returns or throws.
import { CommandFailed, UserError, commandName } from '../errors.js';
import { PATHS } from '../plan/paths.js';
import type { Plan, Stage, Step } from '../plan/types.js';
import { watchGrowth } from '../run/growth.js';
import { meter } from '../run/meter.js';
import { createRunner } from '../run/runner.js';
import type { ExecContext } from './context.js';
import { runStep } from './steps.js';

export async function executePlan(ctx: ExecContext, signal: AbortSignal): Promise<void> {
  const { stages } = ctx.plan;
  let failure: unknown;
  try {
    for (const [index, stage] of stages.entries()) {
      signal.throwIfAborted();
      ctx.reporter.phase(index + 1, stages.length, stage.title);
      ctx.stage = index + 1;
      const started = performance.now();
      await runStage(stage, ctx, signal);
      ctx.reporter.event({ type: 'stage-end', stage: index + 1, title: stage.title, seconds: (performance.now() - started) / 1000 });
    }
  } catch (error) {
    failure = error;
  }
  const leftovers = [...(await ctx.resources.unwind()), ...(await ctx.scratch.unwind())];
  if (leftovers.length > 0) {
    const why = failure === undefined ? '' : `${failure instanceof Error ? failure.message : String(failure)}; then `;
    throw new UserError('build-failed', `${why}could not release: ${leftovers.join('; ')} (see losetup -a and /proc/mounts)`);
  }
  if (failure !== undefined) throw failure;
}

async function runStage(stage: Stage, ctx: ExecContext, signal: AbortSignal): Promise<void> {
  const watch = stage.fill ? await watchFill(stage.fill, ctx) : undefined;
  ctx.measured = stage.measured ? meter(ctx.reporter, ctx.stage ?? 0, stage.measured.task, stage.measured.bytes) : undefined;
  try {
    await runLanes(stage, ctx, signal);
    watch?.done();
    ctx.measured?.end();
  } finally {
    watch?.stop();
    ctx.measured = undefined;
  }
}

/** A stage's progress as the growth of the used space of the filesystem it fills. */
async function watchFill(fill: NonNullable<Stage['fill']>, ctx: ExecContext): Promise<{ done(): void; stop(): void }> {
  const filled = meter(ctx.reporter, ctx.stage ?? 0, fill.task, fill.bytes);
  const stop = await watchGrowth(fill.path, filled.set);
  return { done: () => filled.end(), stop };
}

async function runLanes(stage: Stage, ctx: ExecContext, signal: AbortSignal): Promise<void> {
  const siblings = new AbortController();
  const stageSignal = AbortSignal.any([signal, siblings.signal]);
  const run = createRunner(ctx.reporter, stageSignal);
  const results = await Promise.allSettled(
    stage.lanes.map(async (lane) => {
      try {
        for (const step of lane) {
          stageSignal.throwIfAborted();
          await runStep(step, ctx, run).catch((error) => Promise.reject(signal.aborted ? error : spaceError(step, error, ctx.plan)));
        }
      } catch (error) {
        siblings.abort(error);
        throw error;
      }
    }),
  );
  if (signal.aborted) throw signal.reason;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw siblings.signal.aborted ? siblings.signal.reason : failed.reason;
}

/** Where a write that ran out of space was going. */
type Place = 'boot' | 'disk' | 'output' | 'builder';

const NO_SPACE = /No space left on device|\bENOSPC\b/i;

function isNoSpace(error: unknown): boolean {
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC') return true;
  if (error instanceof CommandFailed) return NO_SPACE.test(error.detail);
  // steps' own write errors (steps.ts writeError)
  return error instanceof UserError && error.id === 'output' && /no space left on the device/.test(error.message);
}

function placeOf(path: string, outputDir: string): Place | undefined {
  const under = (dir: string) => path === dir || path.startsWith(`${dir.replace(/\/+$/, '')}/`);
  if (under(PATHS.boot)) return 'boot';
  if (under(PATHS.target) || under(PATHS.deployment) || under(PATHS.dev)) return 'disk';
  if (under(outputDir)) return 'output';
  if (path.startsWith('/')) return 'builder';
  return undefined;
}

/** The paths a step writes to, as far as its description tells. */
function stepPaths(step: Step): string[] {
  switch (step.kind) {
    case 'exec':
      return step.argv.flatMap((arg) => arg.match(/(?:^|=)(\/[^\s,:]*)/)?.[1] ?? []);
    case 'commit-layer':
      return [`${PATHS.target}/ostree/repo`];
    case 'deployment-file':
      return [`${step.sysroot}/ostree/deploy`];
    case 'write-ova':
      return [step.partial];
    case 'publish':
      return [step.to];
    case 'create-disk':
    case 'scratch-dir':
    case 'mkdir':
    case 'write-file':
    case 'symlink':
    case 'checksum':
    case 'write-manifest':
    case 'write-checksums':
    case 'write-build-record':
      return [step.path];
    default:
      return [];
  }
}

/** Where a step's writes go: into the disk image when it names a path there or runs inside
 * a root (the image, the deployment), else where its paths are. */
function stepPlace(step: Step, outputDir: string): Place {
  const places = stepPaths(step).map((p) => placeOf(p, outputDir));
  const inside = (['boot', 'disk'] as const).find((p) => places.includes(p));
  if (inside) return inside;
  if (step.kind === 'commit-layer' || (step.kind === 'exec' && step.in !== 'builder')) return 'disk';
  return places.includes('output') ? 'output' : (places.find((p) => p !== undefined) ?? 'output');
}

/** What the step was doing, for "ran out of space while ...". */
function activity(step: Step, error: unknown): string {
  if (error instanceof CommandFailed) return `running ${commandName(error.argv)}`;
  const errorPath = (error as NodeJS.ErrnoException | undefined)?.path;
  if (errorPath) return `writing ${errorPath}`;
  if (step.kind === 'commit-layer') return "committing the image's layers to ostree";
  const path = stepPaths(step)[0];
  return path ? `writing ${path}` : `the ${step.kind} step`;
}

/**
 * A step that failed for want of space, said as that (exit 15) with what helps: a larger
 * --size when it was the disk image's root that filled up, free space when it was the output
 * directory. Other failures are returned unchanged.
 */
export function spaceError(step: Step, error: unknown, plan: Pick<Plan, 'space' | 'disk'>): unknown {
  if (!isNoSpace(error)) return error;
  const outputDir = plan.space.path;
  const errorPath = (error as NodeJS.ErrnoException | undefined)?.path;
  const place = (errorPath && placeOf(errorPath, outputDir)) || stepPlace(step, outputDir);
  const doing = activity(step, error);
  const gib = (bytes: number) => Math.ceil(bytes / 2 ** 30);
  switch (place) {
    case 'disk': {
      const larger = Math.max(gib(plan.disk.sizeBytes) * 2, gib(plan.disk.sizeBytes) + 4);
      return new UserError('no-space', `the disk image (${gib(plan.disk.sizeBytes)} GiB) ran out of space while ${doing}: build with a larger --size, e.g. --size "${larger} GiB"`);
    }
    case 'boot':
      return new UserError('no-space', `the disk image's /boot or EFI partition ran out of space while ${doing}: --size does not make them larger; make the image's kernel and initramfs smaller`);
    case 'output':
      return new UserError('no-space', `the output directory ${outputDir} ran out of space while ${doing}: free space there (the build needs about ${gib(plan.space.bytes)} GiB) or use a larger output directory`);
    case 'builder':
      return new UserError('no-space', `the builder's own filesystem ran out of space while ${doing}: free space where the host keeps containers (podman system df shows what uses it)`);
  }
}
