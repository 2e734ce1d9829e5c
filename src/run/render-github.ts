// GitHub Actions (GITHUB_ACTIONS=true), on top of plain lines: each stage folded in a
// ::group::, warnings and the failure as annotations (a config error points at its file, line
// and column), and at the end a Markdown summary for $GITHUB_STEP_SUMMARY and the artifact
// paths for $GITHUB_OUTPUT. Only what the build reports goes there: placeholders, never secrets.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Event, EventOf } from './events.js';
import type { Renderer } from './reporter.js';
import { size } from './summary.js';

export interface GitHubFiles {
  /** $GITHUB_STEP_SUMMARY */
  summary?: string;
  /** $GITHUB_OUTPUT */
  output?: string;
  /** the output directory, that outputs are given relative to */
  outputDir: string;
  /** $GITHUB_WORKSPACE: a config under it is annotated by its path in the repository */
  workspace?: string;
}

export function githubRenderer(inner: Renderer, stream: NodeJS.WritableStream, files: GitHubFiles): Renderer {
  const write = (line: string) => stream.write(`${line}\n`);
  const artifacts: EventOf<'artifact'>[] = [];
  let start: EventOf<'build-start'> | undefined;
  let open = false;
  const close = () => {
    if (open) write('::endgroup::');
    open = false;
  };
  return {
    render(event: Event) {
      switch (event.type) {
        case 'build-start':
          start = event;
          return inner.render(event);
        case 'stage-start':
          close();
          write(`::group::[${event.stage}/${event.stages}] ${event.title}`);
          open = true;
          return;
        case 'stage-end':
          // at every log level: a folded group still says how long it took
          write(`${event.title}: ${event.seconds.toFixed(1)} s`);
          return close();
        case 'message':
          if (event.level === 'warn') return write(`::warning::${escapeData(event.text)}`);
          if (event.level === 'error') return write(`::error::${escapeData(event.text)}`);
          return inner.render(event);
        case 'artifact':
          artifacts.push(event);
          return inner.render(event);
        case 'build-end':
          close();
          if (event.error) write(annotation(event.error.message, files.workspace));
          if (files.summary) appendFileSync(files.summary, summary(start, artifacts, event, files.outputDir));
          if (files.output && event.ok) appendFileSync(files.output, outputs(start?.types ?? [], artifacts, files.outputDir));
          return inner.render(event);
        default:
          return inner.render(event);
      }
    },
  };
}

/** "::error file=F,line=L,col=C::..." for a located config error, "::error::..." otherwise;
 * F relative to the workspace when the config is in it (as GitHub shows it on the diff). */
export function annotation(message: string, workspace?: string): string {
  const located = /^(\/[^:]+):(\d+):(\d+): (.*)$/s.exec(message);
  if (!located) return `::error::${escapeData(message)}`;
  const [, path, line, col, rest] = located as unknown as [string, string, string, string, string];
  const inWorkspace = workspace && !relative(workspace, path).startsWith('..') ? relative(workspace, path) : path;
  return `::error file=${escapeProperty(inWorkspace)},line=${line},col=${col}::${escapeData(rest)}`;
}

/** The Markdown summary: what was built from what, each artifact with its size and checksum. */
export function summary(start: EventOf<'build-start'> | undefined, artifacts: EventOf<'artifact'>[], end: EventOf<'build-end'>, outputDir: string): string {
  const lines = [`### deb-bootc-image-builder: ${end.ok ? 'built' : `failed (exit ${end.exitCode})`} in ${end.seconds.toFixed(1)} s`, ''];
  if (start) lines.push(`Image \`${start.image}\` (${start.id.slice(0, 12)}), installer ${start.installer}`, '');
  if (end.error) lines.push(`> ${end.error.message.replaceAll('\n', ' ')}`, '');
  if (artifacts.length > 0) {
    lines.push('| artifact | type | size | sha256 |', '|---|---|---:|---|');
    for (const a of artifacts) lines.push(`| \`${relative(outputDir, a.path)}\` | ${a.artifactType} | ${size(a.bytes)} | \`${a.sha256.slice(0, 16)}…\` |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Step outputs, relative to the output directory: each artifact by type, all of them, the
 * manifest and the checksums file. */
export function outputs(types: string[], artifacts: EventOf<'artifact'>[], outputDir: string): string {
  const rel = (path: string) => relative(outputDir, path);
  const lines = artifacts.flatMap((a) => a.artifactType.split(',').map((type) => `${type}=${rel(a.path)}`));
  lines.push(`artifacts=${artifacts.map((a) => rel(a.path)).join(' ')}`, 'checksums=SHA256SUMS', `manifest=manifest-${types.join('-')}.json`);
  return `${lines.join('\n')}\n`;
}

// workflow command escaping, as @actions/core does it
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
