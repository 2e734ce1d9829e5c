// Carries out a plan: stages in order, the lanes of a stage concurrently. When a lane fails
// its siblings are stopped; whatever happens, everything acquired is released before this
// returns or throws.
import { createRunner } from '../run/runner.js';
import type { Stage } from '../plan/types.js';
import type { ExecContext } from './context.js';
import { runStep } from './steps.js';

export interface StageTiming {
  title: string;
  seconds: number;
}

export async function executePlan(ctx: ExecContext, signal: AbortSignal): Promise<StageTiming[]> {
  const { stages } = ctx.plan;
  const timings: StageTiming[] = [];
  try {
    for (const [index, stage] of stages.entries()) {
      signal.throwIfAborted();
      ctx.reporter.phase(index + 1, stages.length, stage.title);
      const started = performance.now();
      await runStage(stage, ctx, signal);
      const seconds = (performance.now() - started) / 1000;
      timings.push({ title: stage.title, seconds });
      ctx.reporter.info(`${stage.title}: ${seconds.toFixed(1)} s`);
    }
    return timings;
  } finally {
    await ctx.resources.unwind();
    await ctx.scratch.unwind();
  }
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
