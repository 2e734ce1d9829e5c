// A refused input, as a script and as GitHub Actions see it: with --progress json the whole of
// stderr is events (valid against the schema, ending with the failure's id and exit code);
// with GITHUB_ACTIONS=true the failure is an annotation at the config's file, line and column,
// and the step summary says the build failed. (Successful and interrupted builds' events are
// checked in formats.test.ts and interrupt.test.ts, on builds those tests make anyway.)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { parseEvents } from '../support/events.js';
import { EXAMPLE, runBuilder } from '../support/images.js';

const CONFIG = '[[customizations.user]]\nname = "alice"\nuid = 0\npassword = "refused-secret-pw"\n';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/dbib-progress-`);
  await writeFile(`${dir}/config.toml`, CONFIG);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const refused = (args: string[], podmanArgs: string[] = []) =>
  runBuilder([...args, EXAMPLE], { output: dir, podmanArgs: ['-v', `${dir}/config.toml:/config.toml:ro`, ...podmanArgs] });

describe('a refused input', () => {
  it('--progress json: stderr is nothing but events, the last one the failure; stdout is empty', async () => {
    const run = await refused(['--progress', 'json']);
    expect(run.exitCode).toBe(EXIT_CODES.config);
    expect(run.stdout).toBe('');
    const events = parseEvents(run.stderr);
    expect(events.at(-1)).toMatchObject({
      type: 'build-end',
      ok: false,
      exitCode: EXIT_CODES.config,
      error: { id: 'config', message: expect.stringMatching(/^\/config\.toml:3:1: customizations\.user\[0\]\.uid: uid 0 is root's/) },
    });
    expect(run.stderr).not.toContain('refused-secret-pw');
  });

  it('GITHUB_ACTIONS=true: an annotation at the file, line and column; a failed step summary; no outputs', async () => {
    const env = ['GITHUB_ACTIONS=true', 'GITHUB_STEP_SUMMARY=/gh/summary.md', 'GITHUB_OUTPUT=/gh/output'];
    await Promise.all(['summary.md', 'output'].map((f) => writeFile(`${dir}/${f}`, '')));
    const run = await refused([], [...env.flatMap((e) => ['-e', e]), '-v', `${dir}:/gh`]);
    expect(run.exitCode).toBe(EXIT_CODES.config);
    expect(run.stderr).not.toMatch(/\u001b/);
    expect(run.stderr.split('\n')).toContain("::error file=/config.toml,line=3,col=1::customizations.user[0].uid: uid 0 is root's: give another uid (or none, and useradd picks one)");
    const summary = await readFile(`${dir}/summary.md`, 'utf8');
    expect(summary).toContain('failed (exit 19)');
    expect(summary).not.toContain('refused-secret-pw');
    expect(await readFile(`${dir}/output`, 'utf8')).toBe('');
  });
});
