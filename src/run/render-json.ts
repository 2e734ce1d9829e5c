// json: NDJSON, one event a line (schema: `schema --events`), written whole so that lines
// from concurrent lanes never interleave.
import type { Event } from './events.js';
import type { Renderer } from './reporter.js';

export function jsonRenderer(stream: NodeJS.WritableStream): Renderer {
  return {
    render(event: Event) {
      stream.write(`${JSON.stringify(event)}\n`);
    },
  };
}
