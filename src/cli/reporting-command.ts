// Options of the commands that report while they run (build, manifest, inspect, verify):
// log level and progress mode, and the reporter they make.
import { Command, Option } from 'clipanion';
import { createReporter, type Reporter } from '../run/reporter.js';
import { parseLogLevel } from './parse-options.js';
import { githubFiles, parseProgress, progressStream } from './progress-option.js';

export abstract class ReportingCommand extends Command {
  logLevel = Option.String('--log-level', { description: 'error, warn, info or debug [default: warn]' });

  verbose = Option.Boolean('-v,--verbose', false, { description: 'same as --log-level info' });

  progress = Option.String('--progress', { description: 'how to report progress: auto (term on a terminal, plain otherwise or when CI is set), term (a live view), plain, json (NDJSON events; schema --events), or BIB\'s verbose and debug [default: auto]' });

  progressFd = Option.String('--progress-fd', { description: 'with --progress json: write the events to this file descriptor instead of stderr' });

  progressFile = Option.String('--progress-file', { description: 'with --progress json: append the events to this file instead of writing them to stderr' });

  /** where artifacts go (commands that write none report paths relative to the default) */
  protected get outputDir(): string {
    return '/output';
  }

  protected createReporter(): Reporter {
    const { mode, level } = parseProgress(this.progress, { stream: this.context.stderr, env: process.env });
    const stream = progressStream(mode, { fd: this.progressFd, file: this.progressFile }, this.context.stderr);
    // json elsewhere than stderr: stderr keeps the plain lines for people
    const logStream = stream === this.context.stderr ? undefined : this.context.stderr;
    const github = process.env.GITHUB_ACTIONS === 'true' && (mode === 'plain' || logStream) ? githubFiles(process.env, this.outputDir) : undefined;
    return createReporter({
      level: this.logLevel === undefined && !this.verbose && level ? level : parseLogLevel(this.logLevel, this.verbose),
      stream,
      mode,
      outputDir: this.outputDir,
      ...(logStream ? { logStream } : {}),
      ...(github ? { github } : {}),
    });
  }
}
