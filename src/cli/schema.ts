// `schema`: the JSON Schema of the build config, for editors (completion, validation);
// `schema --events`: that of the NDJSON events --progress json writes; `schema --verify`: that
// of verify --json.
import { Command, Option } from 'clipanion';
import { ConfigSchema } from '../config/schema.js';
import { eventsJsonSchema } from '../run/events.js';
import { verifyJsonSchema } from '../verify/report.js';

export class SchemaCommand extends Command {
  static override paths = [['schema']];

  static override usage = Command.Usage({
    description: 'print the JSON Schema of the build config (for editor completion)',
    examples: [
      ['Save it for an editor', '$0 schema > config.schema.json'],
      ['The schema of one --progress json event', '$0 schema --events'],
      ['The schema of verify --json', '$0 schema --verify'],
    ],
  });

  events = Option.Boolean('--events', false, { description: 'print the JSON Schema of a --progress json event instead' });

  verify = Option.Boolean('--verify', false, { description: 'print the JSON Schema of verify --json instead' });

  override async execute(): Promise<number> {
    const schema = this.events ? eventsJsonSchema() : this.verify ? verifyJsonSchema() : { $schema: 'https://json-schema.org/draft/2020-12/schema', ...ConfigSchema };
    this.context.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    return 0;
  }
}
