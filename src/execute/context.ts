// What every step handler gets: how to run commands, where to report, and the two cleanup
// stacks (devices and mounts are released before export; scratch files at the very end).
import type { Ledger } from './artifacts.js';
import type { Secrets } from '../config/secrets.js';
import type { Podman } from '../image/podman.js';
import type { Plan } from '../plan/types.js';
import type { CleanupStack } from '../run/cleanup.js';
import type { Meter } from '../run/meter.js';
import type { Reporter } from '../run/reporter.js';
import type { Runner } from '../run/runner.js';

export interface ExecContext {
  plan: Plan;
  runner: Runner;
  reporter: Reporter;
  podman: Podman;
  /** mounts, loop devices: undone by the plan's `release` step, or on failure */
  resources: CleanupStack;
  /** work directories: removed when the build ends, however it ends */
  scratch: CleanupStack;
  /** values for the plan's @secret:NAME@ placeholders */
  secrets: Secrets;
  /** early release of each mount the plan may unmount again, by target */
  mounted: Map<string, () => Promise<void>>;
  /** checksums, sizes and times of the artifacts, for SHA256SUMS and the build record */
  ledger: Ledger;
  /** the stage running now (1-based), for progress events */
  stage?: number;
  /** the running stage's own measure (Stage.measured), that its steps add to */
  measured?: Meter;
}
