// Measured progress of one task as `progress` events, at most a few a second: callers add
// what they did as often as they like (every chunk hashed, every poll of a filesystem).
import type { EventOf } from './events.js';
import type { Reporter } from './reporter.js';

const EVERY_MS = 250;

export interface Meter {
  /** `done` so far (not a delta); clamped to the total, never going back */
  set(done: number): void;
  add(delta: number): void;
  /** the task is complete: one last event at the total */
  end(): void;
}

export function meter(reporter: Reporter, stage: number, task: string, total: number | undefined, unit: EventOf<'progress'>['unit'] = 'bytes', now = () => performance.now()): Meter {
  let done = 0;
  let shown = -1;
  let at = -Infinity;
  const emit = (force: boolean) => {
    if (done === shown || (!force && now() - at < EVERY_MS)) return;
    shown = done;
    at = now();
    reporter.event({ type: 'progress', stage, task, done, ...(total === undefined ? {} : { total }), unit });
  };
  const set = (value: number) => {
    done = Math.max(done, total === undefined ? value : Math.min(value, total));
    emit(false);
  };
  return {
    set,
    add: (delta) => set(done + delta),
    end() {
      if (total !== undefined) done = total;
      emit(true);
    },
  };
}
