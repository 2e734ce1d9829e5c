// Turns SIGINT/SIGTERM into an abort of the running build. The first signal stops the
// running commands and lets cleanup run to the end; later signals only say that cleanup is
// still in progress, because stopping half-way would leave loop devices and mounts behind.
import { Interrupted } from '../errors.js';
import type { Reporter } from './reporter.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function trapInterrupts(controller: AbortController, reporter: Reporter): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      reporter.warn('still releasing mounts and loop devices; the builder exits when that is done');
      return;
    }
    reporter.warn(`${signal} received: stopping and releasing everything the build set up`);
    controller.abort(new Interrupted(signal));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return () => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
}
