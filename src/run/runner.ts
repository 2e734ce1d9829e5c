// Runs external commands for the build. Each command gets its own process group so that an
// interrupt stops it and everything it spawned (grub-install, mkfs helpers) before cleanup
// unmounts what they were using. Tool output is logged at debug level as it arrives.
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { CommandFailed } from '../errors.js';
import { abortedMeanwhile } from './interrupt.js';
import type { Reporter } from './reporter.js';

export interface RunOptions {
  /** Text fed to the command's standard input. */
  input?: string;
  /** A stream fed to the command's standard input. */
  stdin?: Readable;
  /** Called with each line the command writes to stderr (besides the debug log). */
  onStderrLine?: (line: string) => void;
  /** Called with each line (or carriage-return-ended update) the command writes to stdout;
   * such output is then not logged. */
  onStdoutLine?: (line: string) => void;
  cwd?: string;
  env?: Record<string, string>;
  /** The real command, when argv wraps it (shown in logs and errors). */
  display?: readonly string[];
  /** Shown before the command in logs, e.g. "(in image)". */
  where?: string;
  /** Exit codes that count as success (default: only 0). */
  okExitCodes?: number[];
  /** Called once the command runs, with its process group (its pid) */
  onSpawn?: (group: number) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Runner {
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** what stops this runner's commands; long in-process work (hashing) honours it too */
  readonly signal?: AbortSignal;
}

/** Below podman stop's 10 s, so a stuck command never costs the builder its cleanup. */
const KILL_GRACE_MS = 3_000;
const DETAIL_LINES = 3;

export function createRunner(reporter: Reporter, signal?: AbortSignal): Runner {
  return {
    signal,
    async run(argv, options = {}) {
      const [file, ...args] = argv;
      if (!file) throw new Error('empty command');
      signal?.throwIfAborted();
      const shown = options.display ?? argv;
      reporter.debug(`run: ${options.where ? `${options.where} ` : ''}${shown.map(quote).join(' ')}`);
      const child = execa(file, args, {
        input: options.stdin ?? options.input,
        cwd: options.cwd,
        env: options.env,
        detached: true,
        reject: false,
        stripFinalNewline: true,
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (!line.trim()) continue;
          reporter.debug(`  ${line}`);
          options.onStderrLine?.(line.trim());
        }
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split(options.onStdoutLine ? /[\r\n]/ : '\n')) {
          if (!line.trim()) continue;
          if (options.onStdoutLine) options.onStdoutLine(line.trim());
          else reporter.debug(`  ${line}`);
        }
      });
      if (child.pid) options.onSpawn?.(child.pid);
      const stop = () => killGroup(child.pid);
      signal?.addEventListener('abort', stop, { once: true });
      const result = await child;
      signal?.removeEventListener('abort', stop);
      const ok = options.okExitCodes ?? [0];
      // A command that finished is reported as finished even if an abort came meanwhile:
      // its caller may have to record what it acquired. The abort shows at the next step.
      if (result.exitCode !== undefined && ok.includes(result.exitCode) && !result.signal) {
        return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode };
      }
      // killed by a signal: maybe the one that is interrupting the build, not yet seen here
      if (result.signal ? await abortedMeanwhile(signal) : signal?.aborted) throw signal?.reason;
      if (result.failed && result.exitCode === undefined && !result.signal) {
        throw new CommandFailed(shown, 'could not start', result.shortMessage ?? `${file} not found`);
      }
      const status = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
      throw new CommandFailed(shown, status, tail(String(result.stderr || result.stdout)));
    },
  };
}

/** Terminate a whole process group, escalating to SIGKILL if it does not exit in time. */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  send('SIGTERM');
  setTimeout(() => send('SIGKILL'), KILL_GRACE_MS).unref();
}

function tail(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-DETAIL_LINES).join(' | ');
}

/** Shell-style quoting for log lines, so a logged command can be pasted and rerun. */
export function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
