// Boots a disk image in QEMU through verify's engine (src/verify/qemu.ts: one boot code path
// for users and tests) and reports what the booted system says about itself: after
// multi-user.target, the system state, `ostree admin status` and any probes the test asked for
// (verify's --exec), then the guest powers off. A TCG boot that hangs before the check, or a
// guest kernel that panics before it leaves the initramfs, is tried once more here (the tests'
// retry, not verify's: verify reports the first).
import { basename, dirname } from 'node:path';
import { silentReporter } from '../../src/run/reporter.js';
import { createRunner } from '../../src/run/runner.js';
import { type BootOutcome, bootDisk } from '../../src/verify/qemu.js';
import { readLog } from '../../src/verify/serial-log.js';

export type Firmware = 'bios' | 'uefi';

export interface BootResult {
  firmware: Firmware;
  accel: 'kvm' | 'tcg';
  seconds: number;
  /** container-image-reference of the booted deployment's origin */
  origin?: string;
  /** output of each requested probe, whitespace collapsed */
  probes: Record<string, string>;
  /** the check unit ran, which it does only once multi-user.target is reached */
  reachedMultiUser: boolean;
  /** `systemctl is-system-running --wait` */
  state?: string;
  failedUnits: string[];
  cmdline?: string;
  ostreeStatus: string;
  /** path of the serial console log */
  log: string;
  /** QEMU was stopped at the time limit, before the check finished */
  timedOut: boolean;
  /** the guest kernel panicked (QEMU was stopped at once) */
  panicked: boolean;
}

export interface BootOptions {
  firmware: Firmware;
  /** QEMU's name for the disk format (vpc: VHD) */
  format: 'qcow2' | 'raw' | 'vmdk' | 'vdi' | 'vpc';
  log: string;
  timeoutSeconds?: number;
  /** shell commands run in the booted system after multi-user.target, by name */
  probes?: Record<string, string>;
  /** keep what the guest writes (default: every write goes to a throw-away snapshot) */
  persistent?: boolean;
  /** raw disk images attached read-only as further virtio disks (/dev/vdb, ...) */
  extraDisks?: string[];
  /** let the guest shut down by itself after the check (units that run at shutdown, such as
   * ostree-finalize-staged, get to run), instead of stopping QEMU once the check is printed */
  cleanShutdown?: boolean;
}


/** The initramfs hands over to the real root (nothing is written on the disk before). */
const ROOT_SWITCHED = 'Switching root';

export async function bootCheck(disk: string, options: BootOptions): Promise<BootResult> {
  const first = await bootOnce(disk, options);
  const earlyPanic = first.end === 'panic' && !readLog(first.consoleLog).includes(ROOT_SWITCHED);
  if (!((first.end === 'timeout' || first.end === 'exited') && !options.persistent) && !earlyPanic) return result(first, options);
  const what = first.end === 'panic' ? 'the guest kernel panicked before switching root' : `${first.end}: no check after ${first.seconds.toFixed(0)} s`;
  console.log(`boot of ${disk} (${options.firmware}) ${what}; last lines:\n${first.consoleTail.join('\n')}\ntrying once more`);
  return result(await bootOnce(disk, options), options);
}

async function bootOnce(disk: string, options: BootOptions): Promise<BootOutcome> {
  const probes = Object.entries(options.probes ?? {});
  const outcome = await bootDisk(
    {
      disk,
      format: options.format,
      firmware: options.firmware,
      questions: { mounts: [], users: [], execs: probes.map(([name, command]) => ({ name, command })) },
      timeoutSeconds: options.timeoutSeconds ?? 600,
      memoryMiB: 2048,
      cpus: 2,
      workDir: dirname(options.log),
      name: basename(options.log).replace(/\.log$/, ''),
      ...(options.persistent ? { persistent: true } : {}),
      ...(options.extraDisks ? { extraDisks: options.extraDisks } : {}),
      ...(options.cleanShutdown ? { cleanShutdown: true } : {}),
    },
    createRunner(silentReporter),
  );
  if (outcome.end !== 'checked') console.log(`boot of ${disk} (${options.firmware}) ended ${outcome.end} after ${outcome.seconds.toFixed(0)} s; last lines of ${outcome.consoleLog}:\n${outcome.consoleTail.join('\n')}`);
  return outcome;
}

function result(outcome: BootOutcome, options: BootOptions): BootResult {
  const r = outcome.report;
  return {
    firmware: options.firmware,
    accel: outcome.accel,
    seconds: outcome.secondsToCheck ?? outcome.seconds,
    ...(r.origin ? { origin: r.origin } : {}),
    probes: { ...(r.lang ? { LANG: r.lang } : {}), ...Object.fromEntries(r.execs.map((e) => [e.name, e.output.replace(/\s+/g, ' ').trim()])) },
    reachedMultiUser: r.reached,
    ...(r.state ? { state: r.state } : {}),
    failedUnits: r.failedUnits,
    ...(r.cmdline ? { cmdline: r.cmdline } : {}),
    ostreeStatus: r.ostreeStatus,
    log: outcome.consoleLog,
    timedOut: outcome.end === 'timeout',
    panicked: outcome.end === 'panic',
  };
}
