// Runs action.yml's composite steps as the GitHub runner would: `${{ inputs.* }}` filled from
// the given inputs and the defaults, each `run` in `bash --noprofile --norc -eo pipefail`,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as files, GITHUB_ACTIONS=true; the action's outputs
// then read from the steps' outputs as its `outputs:` map them.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { parse } from 'yaml';
import { REPO } from './images.js';

interface ActionFile {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; shell: string; env?: Record<string, string>; run: string }[] };
}

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

const expression = /\$\{\{\s*([\w.-]+)\s*\}\}/g;

export async function runAction(inputs: Record<string, string>, cwd: string): Promise<ActionRun> {
  const action = parse(await readFile(`${REPO}/action.yml`, 'utf8')) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error(`action.yml runs ${action.runs.using}, not composite`);
  const values: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs)) {
    const value = inputs[name] ?? input.default ?? '';
    if (input.required && !value) throw new Error(`input ${name} is required`);
    values[`inputs.${name}`] = value;
  }
  const unknown = Object.keys(inputs).filter((name) => !(name in action.inputs));
  if (unknown.length > 0) throw new Error(`action.yml has no input ${unknown.join(', ')}`);
  const files = await mkdtemp(`${tmpdir()}/dbib-action-`);
  const summaryFile = `${files}/summary.md`;
  await writeFile(summaryFile, '');
  const fill = (text: string) =>
    text.replace(expression, (_, name: string) => {
      if (!(name in values)) throw new Error(`action.yml refers to ${name}, which this runner does not know`);
      return values[name] as string;
    });
  let last = { exitCode: 0, stdout: '', stderr: '' };
  for (const [i, step] of action.runs.steps.entries()) {
    if (step.shell !== 'bash') throw new Error(`step ${i} uses shell ${step.shell}`);
    const outputFile = `${files}/output-${i}`;
    const script = `${files}/step-${i}.sh`;
    await writeFile(outputFile, '');
    await writeFile(script, fill(step.run));
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(v)]));
    const run = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd,
      reject: false,
      env: { ...env, GITHUB_ACTIONS: 'true', GITHUB_ACTION_PATH: REPO, GITHUB_WORKSPACE: cwd, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile },
    });
    last = { exitCode: run.exitCode ?? 1, stdout: String(run.stdout), stderr: String(run.stderr) };
    for (const line of (await readFile(outputFile, 'utf8')).split('\n').filter(Boolean)) {
      const at = line.indexOf('=');
      if (step.id) values[`steps.${step.id}.outputs.${line.slice(0, at)}`] = line.slice(at + 1);
    }
    if (last.exitCode !== 0) break;
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, o]) => [name, o.value.replace(expression, (_, n: string) => values[n] ?? '')]));
  return { ...last, outputs, summary: await readFile(summaryFile, 'utf8') };
}
