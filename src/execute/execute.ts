// Carries out a plan: stages in order, the lanes of a stage concurrently. When a lane fails
// its siblings are stopped; whatever happens, everything acquired is released before this
// returns or throws.
import { UserError } from '../errors.js';
import type { Stage } from '../plan/types.js';
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
      const started = performance.now();
      await runStage(stage, ctx, signal);
      ctx.reporter.info(`${stage.title}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
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
  const siblings = new AbortController();
  const stageSignal = AbortSignal.any([signal, siblings.signal]);
  const run = createRunner(ctx.reporter, stageSignal);
  const results = await Promise.allSettled(
    stage.lanes.map(async (lane) => {
      try {
        for (const step of lane) {
          stageSignal.throwIfAborted();
          await runStep(step, ctx, run);
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
