// Runs plan stages for real (as root) with a reporter that keeps the log for assertions.
import { PassThrough } from 'node:stream';
import { newLedger } from '../../src/execute/artifacts.js';
import { executePlan } from '../../src/execute/execute.js';
import { Podman } from '../../src/image/podman.js';
import type { Plan, Stage } from '../../src/plan/types.js';
import { CleanupStack } from '../../src/run/cleanup.js';
import { createReporter } from '../../src/run/reporter.js';
import { createRunner } from '../../src/run/runner.js';

export async function runStages(plan: Plan, stages: Stage[], signal = new AbortController().signal) {
  const stream = new PassThrough();
  let log = '';
  stream.on('data', (c: Buffer) => (log += c.toString()));
  const reporter = createReporter({ level: 'debug', stream });
  const runner = createRunner(reporter);
  const ctx = {
    plan: { ...plan, stages },
    runner,
    reporter,
    podman: new Podman(runner),
    resources: new CleanupStack(reporter),
    scratch: new CleanupStack(reporter),
    secrets: new Map<string, string>(),
    mounted: new Map(),
    ledger: newLedger(),
  };
  try {
    await executePlan(ctx, signal);
    return { log: () => log };
  } catch (error) {
    Object.assign(error as object, { log });
    throw error;
  }
}
