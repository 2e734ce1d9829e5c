// Process entry point of the bundled builder.
import { runCli } from './cli/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
