// term: a live view on a terminal. Finished stages, warnings and errors scroll above it (they
// stay in the scrollback); the live area below holds the running stage with its elapsed time
// and a bar per task with a known total (bytes, rate, ETA). log-update does the redrawing in
// place; the frame itself is plain data, made by `frame` (unit-tested without a terminal).
import cliTruncate from 'cli-truncate';
import { createLogUpdate } from 'log-update';
import type { Event, EventOf } from './events.js';
import type { LogLevel, Renderer } from './reporter.js';
import { size, summaryTable } from './summary.js';

const REDRAW_MS = 100;
const BAR = 20;

interface Task {
  done: number;
  total?: number;
  unit: EventOf<'progress'>['unit'];
  since: number;
}

export interface TermState {
  stage?: { stage: number; stages: number; title: string; since: number };
  tasks: Map<string, Task>;
  status?: string;
}

/** The live area at time `now` (ms), each line cut to `columns`. */
export function frame(state: TermState, now: number, columns: number): string[] {
  const lines: string[] = [];
  if (state.stage) {
    const { stage, stages, title, since } = state.stage;
    lines.push(`[${stage}/${stages}] ${title}  ${seconds(now - since)}`);
  } else if (state.status) {
    lines.push(state.status);
  }
  for (const [name, task] of state.tasks) lines.push(`  ${taskLine(name, task, now)}`);
  return lines.map((l) => cliTruncate(l, Math.max(columns, 20)));
}

function taskLine(name: string, task: Task, now: number): string {
  const elapsed = (now - task.since) / 1000;
  // no total: pulls and imports, measured by how much the store grew
  if (task.total === undefined || task.total === 0) return `${name}  ${amount(task.done, task.unit)}${task.unit === 'bytes' ? ' written' : ''}  ${seconds(now - task.since)}`;
  const fraction = Math.min(1, task.done / task.total);
  const filled = Math.round(fraction * BAR);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}`;
  const rate = elapsed > 0 ? task.done / elapsed : 0;
  const eta = rate > 0 ? (task.total - task.done) / rate : undefined;
  const speed = task.unit === 'bytes' && rate > 0 ? `  ${amount(rate, 'bytes')}/s` : '';
  const counted = task.unit === 'percent' ? '' : `  ${amount(task.done, task.unit)}/${amount(task.total, task.unit)}`;
  return `${name}  [${bar}] ${Math.floor(fraction * 100)}%${counted}${speed}${eta !== undefined && fraction < 1 ? `  ETA ${Math.ceil(eta)}s` : ''}`;
}

function amount(n: number, unit: Task['unit']): string {
  if (unit === 'percent') return `${n.toFixed(0)}%`;
  return unit === 'items' ? String(n) : size(n);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Whether `stream` can take a live view: a terminal that says how big it is, not "dumb". */
export function canDrawLive(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  const tty = stream as NodeJS.WriteStream;
  return tty.isTTY === true && env.TERM !== 'dumb' && (tty.columns ?? 0) >= 40 && (tty.rows ?? 0) > 0;
}

export function termRenderer(stream: NodeJS.WriteStream, level: LogLevel, outputDir: string): Renderer {
  const draw = createLogUpdate(stream);
  const state: TermState = { tasks: new Map() };
  const artifacts: EventOf<'artifact'>[] = [];
  let begun: EventOf<'build-start'> | undefined;
  // nothing to show: nothing drawn, so that what others write (stdout) is never erased
  const redraw = () => {
    const lines = frame(state, Date.now(), stream.columns ?? 80);
    if (lines.length === 0) draw.clear();
    else draw(lines.join('\n'));
  };
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    timer ??= setInterval(redraw, REDRAW_MS);
    timer.unref();
  };
  const above = (line: string) => {
    draw.clear();
    stream.write(`${line}\n`);
    redraw();
  };
  const shows = (at: LogLevel) => ['error', 'warn', 'info', 'debug'].indexOf(at) <= ['error', 'warn', 'info', 'debug'].indexOf(level);
  return {
    render(event: Event) {
      switch (event.type) {
        case 'stage-start':
          state.stage = { stage: event.stage, stages: event.stages, title: event.title, since: Date.now() };
          state.status = undefined;
          state.tasks.clear();
          start();
          return redraw();
        case 'stage-end': {
          const stages = state.stage?.stages ?? '?';
          state.tasks.clear();
          state.stage = undefined;
          return above(`✓ [${event.stage}/${stages}] ${event.title}  ${event.seconds.toFixed(1)} s`);
        }
        case 'progress': {
          const task = state.tasks.get(event.task);
          const since = task?.since ?? Date.now();
          state.tasks.set(event.task, { done: event.done, ...(event.total !== undefined ? { total: event.total } : {}), unit: event.unit, since });
          if (event.total !== undefined && event.done >= event.total) state.tasks.delete(event.task);
          return;
        }
        case 'message':
          if (event.level === 'status') {
            state.status = event.text;
            start();
            return redraw();
          }
          if (shows(event.level)) above(`${event.level}: ${event.text}`);
          return;
        case 'build-start':
          begun = event;
          return;
        case 'artifact':
          artifacts.push(event);
          return;
        case 'build-end':
          if (timer) clearInterval(timer);
          draw.clear();
          draw.done();
          if (event.ok) for (const line of ['', ...summaryTable(begun, artifacts, outputDir)]) stream.write(`${line}\n`);
          return;
        default:
          return;
      }
    },
  };
}
