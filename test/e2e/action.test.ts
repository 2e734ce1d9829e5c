// The composite action (action.yml) run locally as the GitHub runner runs it (see
// test/support/action.ts): a build gives the action's outputs as paths on the runner and a
// step summary; a config error gives an annotation at its place in the repository. Secrets
// of the config appear in neither.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { type ActionRun, runAction } from '../support/action.js';
import { BUILDER, EXAMPLE } from '../support/images.js';

const SECRET = 'action-secret-password';
let workspace: string;
let built: ActionRun;

beforeAll(async () => {
  workspace = await mkdtemp(`${tmpdir()}/dbib-action-ws-`);
  await writeFile(`${workspace}/disk.toml`, `[[customizations.user]]\nname = "ci"\npassword = "${SECRET}"\n`);
  await writeFile(`${workspace}/bad.toml`, '[[customizations.user]]\nname = "ci"\nuid = 0\n');
  built = await runAction({ image: EXAMPLE, types: 'qcow2,raw', config: 'disk.toml', 'builder-image': BUILDER, 'output-directory': 'out' }, workspace);
  console.log(`action: exit ${built.exitCode}\n${built.stderr}\n--- summary\n${built.summary}\n--- outputs\n${JSON.stringify(built.outputs, null, 2)}`);
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

describe('the composite action', () => {
  it("gives the artifacts, manifest and checksums as the runner's paths, every one there", () => {
    expect(built.exitCode).toBe(0);
    const out = `${workspace}/out`;
    expect(built.outputs).toEqual({
      artifacts: `${out}/qcow2/disk.qcow2 ${out}/image/disk.raw`,
      qcow2: `${out}/qcow2/disk.qcow2`,
      raw: `${out}/image/disk.raw`,
      manifest: `${out}/manifest-qcow2-raw.json`,
      checksums: `${out}/SHA256SUMS`,
    });
    for (const path of Object.values(built.outputs).flatMap((v) => v.split(' '))) expect(existsSync(path), path).toBe(true);
  });

  it('folds each stage in a group and appends a summary with each artifact, no secret anywhere', () => {
    expect(built.stderr.split('\n').filter((l) => l.startsWith('::group::'))).toHaveLength(built.stderr.split('\n').filter((l) => l === '::endgroup::').length);
    expect(built.stderr).toMatch(/^::group::\[1\/\d+\] /m);
    expect(built.summary).toMatch(/^### deb-bootc-image-builder: built in \d+\.\d s$/m);
    expect(built.summary).toMatch(/^\| `qcow2\/disk\.qcow2` \| qcow2 \| [\d.]+ [KMG]iB \| `[0-9a-f]{16}…` \|$/m);
    expect(built.summary).toMatch(/^\| `image\/disk\.raw` \| raw \| [\d.]+ GiB \| `[0-9a-f]{16}…` \|$/m);
    for (const text of [built.stdout, built.stderr, built.summary, JSON.stringify(built.outputs)]) expect(text).not.toContain(SECRET);
  });

  it('annotates a config error at its file in the repository, line and column; no outputs', async () => {
    const failed = await runAction({ image: EXAMPLE, config: 'bad.toml', 'builder-image': BUILDER, 'output-directory': 'out-bad' }, workspace);
    expect(failed.exitCode).toBe(EXIT_CODES.config);
    expect(failed.stderr.split('\n')).toContain("::error file=bad.toml,line=3,col=1::customizations.user[0].uid: uid 0 is root's: give another uid (or none, and useradd picks one)");
    expect(failed.summary).toContain('failed (exit 19)');
    expect(Object.values(failed.outputs).every((v) => v === '')).toBe(true);
  });
});
