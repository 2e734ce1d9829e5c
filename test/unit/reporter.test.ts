// The reporter's modes: plain lines as before, json as NDJSON events that validate against
// the schema `schema --events` prints; --progress and its stream options parsed with errors.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { parseProgress, progressStream } from '../../src/cli/progress-option.js';
import { Event, EVENTS_VERSION, eventsJsonSchema } from '../../src/run/events.js';
import { progressReader } from '../../src/execute/steps.js';
import { meter } from '../../src/run/meter.js';
import { annotation, outputs } from '../../src/run/render-github.js';
import { frame, type TermState } from '../../src/run/render-term.js';
import { summaryTable } from '../../src/run/summary.js';
import { createReporter, type Reporter, type ReporterOptions } from '../../src/run/reporter.js';
import { capture } from '../support/streams.js';

const NOW = () => new Date('2026-12-02T10:00:00.000Z');

function session(reporter: Reporter) {
  reporter.progress('Pulling quay.io/example/os:1');
  reporter.event({ type: 'build-start', image: 'quay.io/example/os:1', id: 'a'.repeat(64), types: ['qcow2'], installer: 'native', stages: 2, diskBytes: 10 * 1024 ** 3 });
  reporter.phase(1, 2, 'Partition the disk');
  reporter.event({ type: 'progress', stage: 1, task: 'qcow2', done: 512, total: 1024, unit: 'bytes' });
  reporter.warn('the image has no cloud-init:\nroot will not grow');
  reporter.debug('not shown at info');
  reporter.event({ type: 'stage-end', stage: 1, title: 'Partition the disk', seconds: 1.25 });
  reporter.event({ type: 'artifact', path: '/output/qcow2/disk.qcow2', artifactType: 'qcow2', bytes: 4096, allocatedBytes: 4096, sha256: 'b'.repeat(64), seconds: 1.5 });
  reporter.event({ type: 'build-end', ok: false, exitCode: 15, seconds: 2, error: { id: 'no-space', message: 'not enough free space' } });
}

/** The lines a session leaves on the reporter's stream (winston writes on the next tick). */
async function sessionLines(options: Omit<ReporterOptions, 'stream' | 'now'>): Promise<string[]> {
  const out = capture();
  session(createReporter({ ...options, stream: out.stream, now: NOW }));
  await new Promise((r) => setImmediate(r));
  return out.text().split('\n');
}

describe('--progress json', () => {
  it('writes one event a line, each valid against the published schema, nothing else', async () => {
    const out = capture();
    session(createReporter({ level: 'info', stream: out.stream, mode: 'json', now: NOW }));
    const lines = out.text().trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l));
    for (const event of events) expect(Value.Errors(Event, event)).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['message', 'build-start', 'stage-start', 'progress', 'message', 'stage-end', 'artifact', 'build-end']);
    expect(events[0]).toEqual({ type: 'message', level: 'status', text: 'Pulling quay.io/example/os:1', time: '2026-12-02T10:00:00.000Z', v: EVENTS_VERSION });
    expect(events[4].text).toBe('the image has no cloud-init:\nroot will not grow');
    expect(out.text()).not.toMatch(/\u001b/);
  });

  it('to a descriptor or file of its own, leaves stderr the plain lines', async () => {
    const [events, stderr] = [capture(), capture()];
    session(createReporter({ level: 'info', stream: events.stream, logStream: stderr.stream, mode: 'json', now: NOW }));
    await new Promise((r) => setImmediate(r));
    expect(events.text().trimEnd().split('\n').map((l) => JSON.parse(l).type)).toContain('build-end');
    expect(stderr.text()).toContain('[1/2] Partition the disk');
    expect(stderr.text()).not.toContain('{"type"');
  });

  it('publishes a schema that refuses what is not an event', () => {
    const schema = eventsJsonSchema() as { $schema: string; anyOf: unknown[] };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.anyOf).toHaveLength(8);
    expect(Value.Check(Event, { type: 'stage-start', stage: 0, stages: 1, title: 'x', time: 'now', v: 1 })).toBe(false);
    expect(Value.Check(Event, { type: 'surprise', time: '2026-12-02T10:00:00.000Z', v: 1 })).toBe(false);
  });
});

describe('--progress plain', () => {
  it('prints the lines it always printed: stages, status, level-prefixed logs, stage times at info', async () => {
    expect(await sessionLines({ level: 'info', mode: 'plain' })).toEqual([
      '      Pulling quay.io/example/os:1',
      '[1/2] Partition the disk',
      'warn: the image has no cloud-init:',
      'root will not grow',
      'info: Partition the disk: 1.3 s',
      '',
    ]);
  });
});

describe('GitHub Actions', () => {
  it('folds stages in groups, annotates warnings and the failure, writes the summary and no outputs for a failed build', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dbib-gh-`);
    const [summaryFile, outputFile] = [`${dir}/summary.md`, `${dir}/output`];
    expect(await sessionLines({ level: 'warn', mode: 'plain', github: { summary: summaryFile, output: outputFile, outputDir: '/output' } })).toEqual([
      '      Pulling quay.io/example/os:1',
      '::group::[1/2] Partition the disk',
      '::warning::the image has no cloud-init:%0Aroot will not grow',
      'Partition the disk: 1.3 s',
      '::endgroup::',
      '::error::not enough free space',
      '',
    ]);
    expect(readFileSync(summaryFile, 'utf8')).toBe(
      [
        '### deb-bootc-image-builder: failed (exit 15) in 2.0 s',
        '',
        'Image `quay.io/example/os:1` (aaaaaaaaaaaa), installer native',
        '',
        '> not enough free space',
        '',
        '| artifact | type | size | sha256 |',
        '|---|---|---:|---|',
        '| `qcow2/disk.qcow2` | qcow2 | 4.0 KiB | `bbbbbbbbbbbbbbbb…` |',
        '',
        '',
      ].join('\n'),
    );
    expect(existsSync(outputFile)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  it('points a config error at its file, line and column', () => {
    expect(annotation('/config.toml:3:1: customizations.user[0].uid: uid 0 is root\'s')).toBe("::error file=/config.toml,line=3,col=1::customizations.user[0].uid: uid 0 is root's");
    expect(annotation('no space: 50%')).toBe('::error::no space: 50%25');
    expect(annotation('/home/runner/work/os/os/disk.toml:2:1: bad', '/home/runner/work/os/os')).toBe('::error file=disk.toml,line=2,col=1::bad');
    expect(annotation('/etc/disk.toml:2:1: bad', '/home/runner/work/os/os')).toBe('::error file=/etc/disk.toml,line=2,col=1::bad');
  });

  it('gives each artifact by type, all of them, the manifest and the checksums as step outputs', () => {
    const artifact = (path: string, artifactType: string) => ({ type: 'artifact' as const, path, artifactType, bytes: 1, allocatedBytes: 0, sha256: 'c'.repeat(64), seconds: 0, time: '', v: EVENTS_VERSION });
    expect(outputs(['qcow2', 'raw', 'ami'], [artifact('/output/qcow2/disk.qcow2', 'qcow2'), artifact('/output/image/disk.raw', 'raw,ami')], '/output')).toBe(
      'qcow2=qcow2/disk.qcow2\nraw=image/disk.raw\nami=image/disk.raw\nartifacts=qcow2/disk.qcow2 image/disk.raw\nchecksums=SHA256SUMS\nmanifest=manifest-qcow2-raw-ami.json\n',
    );
  });
});

describe('--progress term', () => {
  it('shows the running stage with its time, and a bar with bytes, rate and ETA per task', () => {
    const state: TermState = {
      stage: { stage: 11, stages: 12, title: 'Write qcow2, vmdk', since: 0 },
      tasks: new Map([
        ['qcow2', { done: 512 * 1024 ** 2, total: 2048 * 1024 ** 2, unit: 'bytes' as const, since: 0 }],
        ['vmdk', { done: 40, total: 100, unit: 'percent' as const, since: 0 }],
      ]),
    };
    expect(frame(state, 4000, 100)).toEqual([
      '[11/12] Write qcow2, vmdk  4.0 s',
      '  qcow2  [#####---------------] 25%  512.0 MiB/2.0 GiB  128.0 MiB/s  ETA 12s',
      '  vmdk  [########------------] 40%  ETA 6s',
    ]);
    expect(frame(state, 4000, 30)[1]).toHaveLength(30);
    const pulling: TermState = { status: '  Copying blob 4df6e44672a4', tasks: new Map([['pull', { done: 300 * 1024 ** 2, unit: 'bytes' as const, since: 1000 }]]) };
    expect(frame(pulling, 4000, 100)).toEqual(['  Copying blob 4df6e44672a4', '  pull  300.0 MiB written  3.0 s']);
  });

  it('draws nothing between stages, so what is printed on stdout then is never erased', async () => {
    const out = capture();
    const tty = Object.assign(out.stream, { isTTY: true, columns: 100, rows: 30 }) as unknown as NodeJS.WriteStream;
    const reporter = createReporter({ level: 'warn', stream: tty, mode: 'term', now: NOW });
    reporter.phase(1, 1, 'Publish the artifacts');
    reporter.event({ type: 'stage-end', stage: 1, title: 'Publish the artifacts', seconds: 0.1 });
    tty.write('/output/archive/disk.ova\n'); // the artifact paths, on the same terminal
    reporter.event({ type: 'build-end', ok: true, exitCode: 0, seconds: 1 });
    const after = out.text().split('/output/archive/disk.ova\n')[1] ?? '';
    expect(after).not.toMatch(/\u001b\[\d*A|\u001b\[2K/); // no cursor up, no line erased
    expect(out.text()).toContain('✓ [1/1] Publish the artifacts  0.1 s');
  });
});

describe('parsing --progress', () => {
  const pipe = { stream: capture().stream, env: {} };
  const terminal = (env: NodeJS.ProcessEnv = {}, columns = 100) => ({ stream: Object.assign(capture().stream, { isTTY: true, columns, rows: 30 }), env });

  it('takes auto, term, plain, json and bootc-image-builder\'s verbose and debug', () => {
    expect(parseProgress(undefined, pipe)).toEqual({ mode: 'plain' });
    expect(parseProgress('json', pipe)).toEqual({ mode: 'json' });
    expect(parseProgress('verbose', pipe)).toEqual({ mode: 'plain', level: 'info' });
    expect(parseProgress('debug', pipe)).toEqual({ mode: 'plain', level: 'debug' });
    expect(() => parseProgress('fancy', pipe)).toThrow(/--progress fancy is not a progress mode; choose from auto, term, plain, json, verbose, debug/);
  });

  it('draws live only on a terminal that can show it, and not in CI', () => {
    expect(parseProgress('auto', terminal())).toEqual({ mode: 'term' });
    expect(parseProgress('auto', terminal({ CI: 'true' }))).toEqual({ mode: 'plain' });
    expect(parseProgress('term', terminal({ CI: 'true' }))).toEqual({ mode: 'term' });
    expect(parseProgress('term', terminal({ TERM: 'dumb' }))).toEqual({ mode: 'plain' });
    expect(parseProgress('term', terminal({}, 30))).toEqual({ mode: 'plain' });
    expect(parseProgress('term', pipe)).toEqual({ mode: 'plain' });
  });

  it('refuses stream options that cannot work, with what to do', () => {
    const stderr = capture().stream;
    expect(progressStream('json', {}, stderr)).toBe(stderr);
    expect(() => progressStream('plain', { file: '/tmp/x' }, stderr)).toThrow(/--progress-file needs --progress json/);
    expect(() => progressStream('json', { fd: '3', file: '/tmp/x' }, stderr)).toThrow(/exclude each other/);
    expect(() => progressStream('json', { fd: '1' }, stderr)).toThrow(/give 3 or higher/);
    expect(() => progressStream('json', { fd: '987' }, stderr)).toThrow(/the builder has no file descriptor 987 open/);
    expect(() => progressStream('json', { file: '/nonexistent-dir/events' }, stderr)).toThrow(/cannot open it for writing \(ENOENT\)/);
  });
});

describe('the summary a build ends with', () => {
  it('lists each artifact: format, virtual size, size, allocated, checksum prefix, when it was ready', () => {
    const start = { type: 'build-start' as const, image: 'x', id: 'a'.repeat(64), types: ['qcow2', 'raw'], installer: 'native', stages: 12, diskBytes: 10 * 1024 ** 3, time: '', v: EVENTS_VERSION };
    const artifact = (path: string, artifactType: string, bytes: number, allocatedBytes: number, seconds: number) =>
      ({ type: 'artifact' as const, path, artifactType, bytes, allocatedBytes, sha256: 'd'.repeat(64), seconds, time: '', v: EVENTS_VERSION });
    expect(summaryTable(start, [artifact('/output/qcow2/disk.qcow2', 'qcow2', 700 * 1024 ** 2, 701 * 1024 ** 2, 8.25), artifact('/output/image/disk.raw', 'raw', 10 * 1024 ** 3, 1.5 * 1024 ** 3, 10)], '/output')).toEqual([
      'artifact          format   virtual       size  allocated  sha256        ready',
      'qcow2/disk.qcow2  qcow2   10.0 GiB  700.0 MiB  701.0 MiB  dddddddddddd  +8.3 s',
      'image/disk.raw    raw     10.0 GiB   10.0 GiB    1.5 GiB  dddddddddddd  +10.0 s',
    ]);
  });
});

describe('progress read from a command', () => {
  it("turns qemu-img -p's updates into events, a few a second and always the end", () => {
    const events: unknown[] = [];
    const reporter = { ...createReporter({ level: 'warn', stream: capture().stream }), event: (e: unknown) => events.push(e) };
    const read = progressReader('qcow2', { reporter, stage: 11 } as never);
    for (const line of ['(0.00/100%)', '(0.50/100%)', '(1.01/100%)', 'noise', '(100.00/100%)']) read(line);
    expect(events).toEqual([0, 100].map((done) => ({ type: 'progress', stage: 11, task: 'qcow2', done, total: 100, unit: 'percent' })));
  });
});

describe('meter', () => {
  const record = () => {
    const events: { done: number; total?: number }[] = [];
    const reporter = { ...createReporter({ level: 'warn', stream: capture().stream }), event: (e: never) => events.push(e) };
    return { events, reporter };
  };

  it('emits at most every 250 ms, never goes back or past the total, and ends at the total', () => {
    const { events, reporter } = record();
    let clock = 0;
    const m = meter(reporter, 4, 'sha256 disk.raw', 1000, 'bytes', () => clock);
    m.add(100); // first: shown
    clock = 100;
    m.add(100); // too soon
    clock = 300;
    m.set(150); // behind what was done: stays at 200
    clock = 600;
    m.add(5000); // clamped
    m.end(); // nothing new to show
    expect(events.map((e) => e.done)).toEqual([100, 200, 1000]);
    expect(events.every((e) => e.total === 1000)).toBe(true);
  });

  it('counts without a total while none is known', () => {
    const { events, reporter } = record();
    const m = meter(reporter, 0, 'pull', undefined, 'items', () => 0);
    m.add(1);
    m.end();
    expect(events).toEqual([{ type: 'progress', stage: 0, task: 'pull', done: 1, unit: 'items' }]);
  });
});
