// --progress: how the build reports while it runs. auto: the live view on a terminal that can
// show it (not in CI), plain lines otherwise; json only on request;
// bootc-image-builder's "verbose" and "debug" are plain lines at log level info and debug.
// --progress-fd / --progress-file send the json stream elsewhere than stderr.
import { createWriteStream, fstatSync, openSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { GitHubFiles } from '../run/render-github.js';
import { canDrawLive } from '../run/render-term.js';
import type { LogLevel, ProgressMode } from '../run/reporter.js';

export const PROGRESS_CHOICES = ['auto', 'term', 'plain', 'json', 'verbose', 'debug'] as const;

export interface ProgressChoice {
  mode: ProgressMode;
  /** a log level the choice implies (BIB's verbose and debug) */
  level?: LogLevel;
}

export function parseProgress(value: string | undefined, where: { stream: NodeJS.WritableStream; env: NodeJS.ProcessEnv }): ProgressChoice {
  const live = canDrawLive(where.stream, where.env);
  switch (value ?? 'auto') {
    case 'auto':
      return { mode: live && !where.env.CI ? 'term' : 'plain' };
    case 'term':
      // asked for where it cannot be drawn (a pipe, TERM=dumb, a tiny window): lines instead
      return { mode: live ? 'term' : 'plain' };
    case 'plain':
      return { mode: 'plain' };
    case 'json':
      return { mode: 'json' };
    case 'verbose':
      return { mode: 'plain', level: 'info' };
    case 'debug':
      return { mode: 'plain', level: 'debug' };
    default:
      throw new UserError('usage', `--progress ${value} is not a progress mode; choose from ${PROGRESS_CHOICES.join(', ')}`);
  }
}

/** Where the json stream goes: a file descriptor, a file (appended to), or stderr. */
export function progressStream(
  mode: ProgressMode,
  options: { fd?: string; file?: string },
  stderr: NodeJS.WritableStream,
): NodeJS.WritableStream {
  if (options.fd !== undefined && options.file !== undefined) throw new UserError('usage', '--progress-fd and --progress-file exclude each other: give one');
  if ((options.fd !== undefined || options.file !== undefined) && mode !== 'json') {
    throw new UserError('usage', `${options.fd !== undefined ? '--progress-fd' : '--progress-file'} needs --progress json`);
  }
  if (options.fd !== undefined) {
    if (!/^\d+$/.test(options.fd) || Number(options.fd) < 3) {
      throw new UserError('usage', `--progress-fd ${options.fd} is not a usable file descriptor: give 3 or higher, opened by the caller (e.g. 3>events.ndjson)`);
    }
    const fd = Number(options.fd);
    try {
      fstatSync(fd);
    } catch {
      throw new UserError('usage', `--progress-fd ${fd}: the builder has no file descriptor ${fd} open; open it when starting the builder (e.g. 3>events.ndjson)`);
    }
    return createWriteStream('', { fd, autoClose: false });
  }
  if (options.file !== undefined) {
    let fd: number;
    try {
      fd = openSync(options.file, 'a');
    } catch (error) {
      throw new UserError('usage', `--progress-file ${options.file}: cannot open it for writing (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return createWriteStream('', { fd });
  }
  return stderr;
}

/** GitHub Actions' files, where the job made them visible to the builder. */
export function githubFiles(env: NodeJS.ProcessEnv, outputDir: string): GitHubFiles {
  return {
    outputDir,
    ...(env.GITHUB_STEP_SUMMARY ? { summary: env.GITHUB_STEP_SUMMARY } : {}),
    ...(env.GITHUB_OUTPUT ? { output: env.GITHUB_OUTPUT } : {}),
    ...(env.GITHUB_WORKSPACE ? { workspace: env.GITHUB_WORKSPACE } : {}),
  };
}
