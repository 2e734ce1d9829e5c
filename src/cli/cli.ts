// The command line: registers the commands and maps every outcome to an exit code, with
// failures reported as one "error:" line on stderr (clipanion alone would print them on
// stdout and exit 1 for everything).
import { Builtins, Cli, type BaseContext, type Command } from 'clipanion';
import { AlreadyReported, describeError, EXIT_CODES, exitCodeOf, UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { BuildCommand } from './build.js';
import { InspectCommand } from './inspect.js';
import { ManifestCommand } from './manifest.js';
import { SchemaCommand } from './schema.js';
import { VerifyCommand } from './verify.js';
import { VersionCommand } from './version.js';

export const BINARY = 'deb-bootc-image-builder';

export function createCli(): Cli {
  const cli = new Cli({
    binaryName: BINARY,
    binaryLabel: 'Debian bootc image builder',
    binaryVersion: VERSION,
    enableColors: false,
  });
  for (const command of [BuildCommand, ManifestCommand, InspectCommand, VerifyCommand, SchemaCommand, VersionCommand, Builtins.HelpCommand]) cli.register(command);
  return cli;
}

export async function runCli(argv: string[], context: Partial<BaseContext> = {}): Promise<number> {
  const cli = createCli();
  const full: BaseContext = { ...Cli.defaultContext, ...context };
  if (argv.length === 0) {
    full.stderr.write(cli.usage(null));
    return EXIT_CODES.usage;
  }
  let command: Command;
  try {
    command = cli.process(argv, full);
  } catch (error) {
    full.stderr.write(`error: ${syntaxMessage(error)} (see ${BINARY} --help)\n`);
    return EXIT_CODES.usage;
  }
  if (command.help) {
    full.stdout.write(cli.usage(command, { detailed: true }));
    return 0;
  }
  command.context = full;
  command.cli = cli as unknown as Command['cli'];
  try {
    return await command.validateAndExecute();
  } catch (error) {
    if (error instanceof AlreadyReported) return exitCodeOf(error.failure);
    full.stderr.write(`error: ${describeError(error)}\n`);
    if (!(error instanceof UserError) && error instanceof Error && error.stack) full.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}

/** First line of clipanion's parse errors, without its "Unknown Syntax Error:" prefix. */
function syntaxMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n')[0] ?? text;
  return first.replace(/^(Unknown Syntax Error|Usage Error|Ambiguous Syntax Error):\s*/, '').replace(/\.$/, '').toLowerCase();
}
