// plain: stable, greppable lines on stderr, no escape codes. Stages as "[3/12] Title", log
// messages as "warn: ...", status lines indented; what only scripts need (stage ends,
// measured progress) as info lines, so --log-level info shows them; at the end, the table of
// artifacts.
import winston from 'winston';
import type { Event, EventOf } from './events.js';
import { summaryTable } from './summary.js';
import type { LogLevel, Renderer } from './reporter.js';

export function plainRenderer(stream: NodeJS.WritableStream, level: LogLevel, outputDir: string): Renderer {
  const artifacts: EventOf<'artifact'>[] = [];
  let start: EventOf<'build-start'> | undefined;
  const logger = winston.createLogger({
    level,
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    format: winston.format.printf(({ level, message }) => `${level}: ${String(message)}`),
    transports: [new winston.transports.Stream({ stream })],
  });
  const write = (line: string) => stream.write(`${line}\n`);
  return {
    render(event: Event) {
      switch (event.type) {
        case 'stage-start':
          return write(`[${event.stage}/${event.stages}] ${event.title}`);
        case 'build-start':
          start = event;
          return;
        case 'artifact':
          artifacts.push(event);
          return;
        case 'build-end':
          if (event.ok) for (const line of summaryTable(start, artifacts, outputDir)) write(line);
          return;
        case 'stage-end':
          return logger.info(`${event.title}: ${event.seconds.toFixed(1)} s`);
        case 'message':
          if (event.level === 'status') return write(`      ${event.text}`);
          return logger.log(event.level, event.text);
        default:
          return;
      }
    },
  };
}
