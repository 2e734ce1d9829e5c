// One place for everything the user sees while a build runs: progress lines and logs go to
// stderr (stdout is reserved for results such as the manifest or artifact paths).
import winston from 'winston';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Reporter {
  /** A build phase starts: "[3/9] Creating filesystems". */
  phase(index: number, total: number, title: string): void;
  /** Progress of a long step (pulls, imports), shown whatever the log level. */
  progress(message: string): void;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export interface ReporterOptions {
  level: LogLevel;
  stream?: NodeJS.WritableStream;
}

export function createReporter({ level, stream = process.stderr }: ReporterOptions): Reporter {
  const logger = winston.createLogger({
    level,
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    format: winston.format.printf(({ level: l, message }) => `${l}: ${String(message)}`),
    transports: [new winston.transports.Stream({ stream })],
  });
  const write = (line: string) => stream.write(`${line}\n`);
  return {
    phase: (index, total, title) => write(`[${index}/${total}] ${title}`),
    progress: (message) => write(`      ${message}`),
    error: (m) => logger.error(m),
    warn: (m) => logger.warn(m),
    info: (m) => logger.info(m),
    debug: (m) => logger.debug(m),
  };
}

/** A reporter that drops everything (for pure code paths and unit tests). */
export const silentReporter: Reporter = {
  phase() {},
  progress() {},
  error() {},
  warn() {},
  info() {},
  debug() {},
};
