// Everything the build sets up (mounts, loop devices, temp dirs) registers how to undo it
// here; unwinding runs every undo in reverse order even when some of them fail, so one stuck
// mount never leaves a loop device behind.
import type { Reporter } from './reporter.js';

interface Undo {
  what: string;
  undo: () => Promise<void>;
}

export class CleanupStack {
  private readonly undos: Undo[] = [];

  constructor(private readonly reporter: Reporter) {}

  /** Register an undo action; returns a function that runs it early and forgets it. */
  push(what: string, undo: () => Promise<void>): () => Promise<void> {
    const entry: Undo = { what, undo };
    this.undos.push(entry);
    return async () => {
      const index = this.undos.indexOf(entry);
      if (index < 0) return;
      this.undos.splice(index, 1);
      await entry.undo();
    };
  }

  get size(): number {
    return this.undos.length;
  }

  /** Undo everything, newest first. Returns the descriptions of undos that failed. */
  async unwind(): Promise<string[]> {
    const failed: string[] = [];
    for (let entry = this.undos.pop(); entry; entry = this.undos.pop()) {
      try {
        this.reporter.debug(`cleanup: ${entry.what}`);
        await entry.undo();
      } catch (error) {
        failed.push(entry.what);
        this.reporter.error(`cleanup failed: ${entry.what}: ${error instanceof Error ? error.message : error}`);
      }
    }
    return failed;
  }
}
