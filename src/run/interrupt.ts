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

/** How long a failure waits for an interrupt that may be on its way (see abortedMeanwhile). */
const SIGNAL_GRACE_MS = 200;

/**
 * Whether the build is being interrupted. A child process gets the terminal's (or tini's)
 * signal at the same moment as the builder, and its failure can arrive before the builder's
 * own handler has run: a failure is judged only after that handler had its chance, so an
 * interrupt is never reported as what the half-finished child seemed to say.
 */
export async function abortedMeanwhile(signal: AbortSignal | undefined, graceMs = SIGNAL_GRACE_MS): Promise<boolean> {
  if (!signal) return false;
  if (signal.aborted) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, graceMs);
    signal.addEventListener('abort', done, { once: true });
  });
  return signal.aborted;
}
