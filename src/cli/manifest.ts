// `manifest IMAGE`: print the build plan as JSON. Builds nothing, needs no privileges.
import { Command } from 'clipanion';
import { PlanCommand } from './image-command.js';

export class ManifestCommand extends PlanCommand {
  static override paths = [['manifest']];

  static override usage = Command.Usage({
    description: 'print the build plan for IMAGE as JSON, without building anything',
    examples: [['Show the plan for a qcow2 disk', '$0 manifest --type qcow2 localhost/my-bootc-image']],
  });

  override async execute(): Promise<number> {
    const { plan } = await this.planFromImage(this.createReporter());
    this.context.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  }
}
