// `schema`: the JSON Schema of the build config, for editors (completion, validation).
import { Command } from 'clipanion';
import { ConfigSchema } from '../config/schema.js';

export class SchemaCommand extends Command {
  static override paths = [['schema']];

  static override usage = Command.Usage({
    description: 'print the JSON Schema of the build config (for editor completion)',
    examples: [['Save it for an editor', '$0 schema > config.schema.json']],
  });

  override async execute(): Promise<number> {
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...ConfigSchema };
    this.context.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    return 0;
  }
}
