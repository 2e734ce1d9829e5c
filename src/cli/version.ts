// `version` / `--version`: the builder's version on stdout.
import { Command } from 'clipanion';
import { VERSION } from '../version.js';

export class VersionCommand extends Command {
  static override paths = [['version'], ['--version']];

  static override usage = Command.Usage({ description: 'print the builder version' });

  override async execute(): Promise<number> {
    this.context.stdout.write(`deb-bootc-image-builder ${VERSION}\n`);
    return 0;
  }
}
