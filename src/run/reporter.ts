// One place for everything the user sees while a build runs. Callers report events (stages,
// progress, artifacts, the end) and log messages; the progress mode decides how they look:
// a live view (term), plain lines, or NDJSON (json). stdout is reserved for results such as the manifest or
// artifact paths: nothing here writes to it.
import { type Event, type EventInput, stamp } from './events.js';
import { plainRenderer } from './render-plain.js';
import { jsonRenderer } from './render-json.js';
import { termRenderer } from './render-term.js';
import { type GitHubFiles, githubRenderer } from './render-github.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const PROGRESS_MODES = ['term', 'plain', 'json'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface Reporter {
  readonly mode: ProgressMode;
  /** A build stage starts: "[3/9] Creating filesystems". */
  phase(index: number, total: number, title: string): void;
  /** Progress of a long step (pulls, imports) in words, shown whatever the log level. */
  progress(message: string): void;
  /** Anything else the build reports as data (stage ends, measured progress, artifacts...). */
  event(event: EventInput): void;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** Draws events; `level` is already applied to messages. */
export interface Renderer {
  render(event: Event): void;
}

export interface ReporterOptions {
  level: LogLevel;
  stream?: NodeJS.WritableStream;
  mode?: ProgressMode;
  /** where artifacts go: the end summary names them relative to it */
  outputDir?: string;
  /** GitHub Actions: annotations, groups, the step summary and outputs (plain mode) */
  github?: GitHubFiles;
  /** json to a file or descriptor of its own: plain lines for people go here meanwhile */
  logStream?: NodeJS.WritableStream;
  /** for tests: the clock that stamps events */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createReporter({ level, stream = process.stderr, mode = 'plain', outputDir = '/output', github, logStream, now = () => new Date() }: ReporterOptions): Reporter {
  const plain = (to: NodeJS.WritableStream) => (github ? githubRenderer(plainRenderer(to, level, outputDir), to, github) : plainRenderer(to, level, outputDir));
  const renderers =
    mode === 'json' ? [jsonRenderer(stream), ...(logStream ? [plain(logStream)] : [])] : mode === 'term' ? [termRenderer(stream as NodeJS.WriteStream, level, outputDir)] : [plain(stream)];
  const emit = (event: EventInput) => {
    const stamped = stamp(event, now());
    for (const renderer of renderers) renderer.render(stamped);
  };
  const message = (at: LogLevel) => (text: string) => {
    if (RANK[at] <= RANK[level]) emit({ type: 'message', level: at, text });
  };
  return {
    mode,
    phase: (stage, stages, title) => emit({ type: 'stage-start', stage, stages, title }),
    progress: (text) => emit({ type: 'message', level: 'status', text }),
    event: emit,
    error: message('error'),
    warn: message('warn'),
    info: message('info'),
    debug: message('debug'),
  };
}

/** A reporter that drops everything (for pure code paths and unit tests). */
export const silentReporter: Reporter = {
  mode: 'plain',
  phase() {},
  progress() {},
  event() {},
  error() {},
  warn() {},
  info() {},
  debug() {},
};
