// Cleanup, seen from inside the builder container: after a complete build and after a
// build interrupted with SIGINT half-way (during the ostree commit), nothing the builder
// set up is left: no mount in /proc/mounts, no loop device, no work files, no artifact.
// Each run also writes --progress json to fd 3: every event is checked against the schema.
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { checkStages, ofType, parseEvents } from '../support/events.js';
import { EXAMPLE, builderArgs, runBuilder } from '../support/images.js';
import { newWorkLoopDevices, workLoopSnapshot } from '../support/system.js';

const WORK = '.deb-bootc-image-builder.work';

/** Runs the CLI in the builder container, optionally sends SIGINT once `when` is logged (or
 * `signal` after a second, `when` empty), then reports exit code, its own /proc/mounts and
 * losetup view. */
function script(interruptWhen?: string, signal = 'INT'): string {
  const wait = interruptWhen ? `for i in $(seq 600); do grep -q '${interruptWhen}' /tmp/stderr && break; sleep 0.1; done; ` : '';
  return `
before=" $(losetup -a | grep ${WORK} | cut -d: -f1 | tr '\\n' ' ') "  # devices someone else left
deb-bootc-image-builder build --type qcow2 --progress json --progress-fd 3 ${EXAMPLE} > /tmp/stdout 2> /tmp/stderr 3> /tmp/events & pid=$!
${interruptWhen !== undefined ? `${wait}sleep 1; kill -${signal} $pid` : ''}
wait $pid; echo "exit=$?"
echo "--- mounts"; grep deb-bootc-image-builder /proc/mounts
echo "--- loops"; losetup -a | grep ${WORK} | while read -r line; do case "$before" in *" \${line%%:*} "*) ;; *) echo "$line" ;; esac; done
echo "--- stderr"; cat /tmp/stderr
echo "--- events"; cat /tmp/events
`;
}

async function runInBuilder(interruptWhen?: string, signal?: string) {
  const out = await mkdtemp(`${tmpdir()}/dbib-e2e-int-`);
  const loopsBefore = await workLoopSnapshot();
  const run = await runBuilder(['-c', script(interruptWhen, signal)], { output: out, podmanArgs: ['--entrypoint', '/bin/sh'] });
  const sections = new Map<string, string[]>();
  let current = '';
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('--- ')) sections.set((current = line.slice(4)), []);
    else sections.get(current)?.push(line);
  }
  const section = (name: string) => (sections.get(name) ?? []).join('\n').trim();
  return { out, run, exit: Number(/exit=(\d+)/.exec(run.stdout)?.[1]), section, loopsBefore };
}

describe('nothing is left behind', () => {
  it('after a complete build', async () => {
    const { out, exit, section, loopsBefore } = await runInBuilder();
    expect(exit).toBe(0);
    const events = parseEvents(section('events'));
    checkStages(events, { finished: true });
    expect(events.at(-1)).toMatchObject({ type: 'build-end', ok: true, exitCode: 0 });
    expect(section('mounts')).toBe('');
    expect(section('loops')).toBe('');
    expect(await newWorkLoopDevices(loopsBefore)).toEqual([]);
    expect((await readdir(out)).sort()).toEqual(['SHA256SUMS', 'build-record.json', 'manifest-qcow2.json', 'qcow2']);
  });

  it('after SIGINT half-way through the build (during the ostree commit)', async () => {
    const { out, exit, section, loopsBefore } = await runInBuilder('Commit the image');
    console.log(section('stderr'));
    expect(exit).toBe(EXIT_CODES.interrupted);
    const events = parseEvents(section('events'));
    checkStages(events, { finished: false });
    expect(ofType(events, 'stage-start').at(-1)?.title).toMatch(/^Commit the image/);
    expect(ofType(events, 'artifact')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'build-end', ok: false, exitCode: EXIT_CODES.interrupted, error: { id: 'interrupted' } });
    expect(section('stderr')).toContain('SIGINT received: stopping and releasing everything the build set up');
    expect(section('stderr').split('\n').at(-1)).toBe('error: interrupted by SIGINT; everything the build had set up was released');
    expect(section('mounts')).toBe('');
    expect(section('loops')).toBe('');
    expect(await newWorkLoopDevices(loopsBefore)).toEqual([]);
    expect(await readdir(out)).toEqual([]);
  });

  it.each(['INT', 'TERM'])('SIG%s a second in, while the image is inspected, is reported as the interrupt it is', async (signal) => {
    const { out, exit, section } = await runInBuilder('', signal);
    console.log(section('stderr'));
    // stopped before the build started: no stage, and the end says why
    const events = parseEvents(section('events'));
    expect(ofType(events, 'stage-start')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'build-end', ok: false, exitCode: EXIT_CODES.interrupted, error: { id: 'interrupted', message: `interrupted by SIG${signal}; everything the build had set up was released` } });
    expect(section('stderr')).not.toContain('Commit the image');
    expect(section('stderr').split('\n').at(-1)).toBe(`error: interrupted by SIG${signal}; everything the build had set up was released`);
    expect(exit).toBe(EXIT_CODES.interrupted);
    expect(section('mounts')).toBe('');
    expect(await readdir(out)).toEqual([]);
  });

  it('even when the builder is killed outright (SIGKILL): no loop device stays attached', async () => {
    const out = await mkdtemp(`${tmpdir()}/dbib-e2e-kill-`);
    const loopsBefore = await workLoopSnapshot();
    const name = `dbib-e2e-kill-${process.pid}`;
    const build = execa('podman', builderArgs(['--type', 'qcow2', EXAMPLE], { output: out, podmanArgs: ['--name', name] }), { reject: false });
    await new Promise<void>((resolve) => {
      build.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Commit the image')) setTimeout(resolve, 1000);
      });
    });
    await execa('podman', ['kill', '--signal', 'KILL', name]);
    await build;
    for (let i = 0; i < 50 && (await newWorkLoopDevices(loopsBefore)).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await newWorkLoopDevices(loopsBefore)).toEqual([]);
    // killed before any artifact was renamed into place: nothing with a final name exists
    expect(await readdir(out)).toEqual([WORK]);
  });

  it('killed outright during the conversions: no file has a final name, only work files exist', async () => {
    const out = await mkdtemp(`${tmpdir()}/dbib-e2e-kill-convert-`);
    const name = `dbib-e2e-kill-convert-${process.pid}`;
    const args = ['--type', 'qcow2,vmdk,vdi,vhd,gce,ova,raw', EXAMPLE];
    const build = execa('podman', builderArgs(args, { output: out, podmanArgs: ['--name', name] }), { reject: false });
    await new Promise<void>((resolve) => {
      build.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Write qcow2, vmdk')) setTimeout(resolve, 3000);
      });
    });
    await execa('podman', ['kill', '--signal', 'KILL', name]);
    await build;
    expect(await readdir(out)).toEqual([WORK]);
    // the conversions had begun: their partial files are there, under work names only
    const work = (await readdir(`${out}/${WORK}`)).sort();
    console.log(`work directory after SIGKILL during conversion: ${work.join(' ')}`);
    expect(work).toContain('disk.raw');
    expect(work.filter((f) => f !== 'disk.raw').length).toBeGreaterThan(0);
  });
});
