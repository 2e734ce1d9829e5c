// `inspect IMAGE`: what the builder finds in an image and whether it can build it, so users
// see why a build will or will not work. Text by default, --json for scripts.
import { Command, Option } from 'clipanion';
import { planBuild } from '../plan/build-plan.js';
import { VERSION } from '../version.js';
import { ImageCommand } from './image-command.js';
import { renderInspect, type Verdict, verdictOf } from './inspect-report.js';
import { ociArch } from './parse-options.js';

export class InspectCommand extends ImageCommand {
  static override paths = [['inspect']];

  static override usage = Command.Usage({
    description: 'show what the builder finds in IMAGE and whether it can build it',
    examples: [
      ['Inspect an image in local storage', '$0 inspect localhost/my-bootc-image'],
      ['The same as JSON', '$0 inspect --json localhost/my-bootc-image'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'print JSON instead of text' });

  override async execute(): Promise<number> {
    const facts = await this.inspectFacts(this.createReporter());
    let verdict: Verdict = { buildable: true };
    try {
      planBuild(facts, { types: ['qcow2'], outputDir: '/output', hostArch: ociArch(process.arch) }, VERSION);
    } catch (error) {
      verdict = verdictOf(error);
    }
    this.context.stdout.write(this.json ? `${JSON.stringify({ ...facts, verdict }, null, 2)}\n` : renderInspect(facts, verdict));
    return 0;
  }
}
