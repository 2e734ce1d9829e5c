// The executor on real devices: sparse disk, sfdisk, loop + partx, mkfs, mounts, release,
// and that every path out (success, failing command, interrupt) releases everything.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandFailed, Interrupted } from '../../src/errors.js';
import { filesystemStage, partitionStage, planBuild } from '../../src/plan/build-plan.js';
import { exportStages, rawDiskPath } from '../../src/plan/exports.js';
import { MiB } from '../../src/plan/partitions.js';
import { PATHS, workDir } from '../../src/plan/paths.js';
import type { Plan, Stage, Step } from '../../src/plan/types.js';
import { runStages } from '../support/execute.js';
import { exampleFacts } from '../support/facts.js';
import { loopDevicesFor, mountsMentioning, processesLeft } from '../support/system.js';

let out: string;
let plan: Plan;

beforeEach(async () => {
  out = await mkdtemp(`${tmpdir()}/disk-steps-`);
  plan = planBuild(exampleFacts((f) => (f.sizeBytes = 100 * MiB)), { types: ['raw'], outputDir: out }, 'test');
});

afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const stage = (title: string, ...lanes: Step[][]): Stage => ({ title, lanes });
const prepare = () => stage('prepare', [{ kind: 'scratch-dir', path: PATHS.run }, { kind: 'scratch-dir', path: workDir(out) }]);
const mountRoot = () => stage('mount', [{ kind: 'mount', source: `${PATHS.dev}/root`, target: PATHS.target }]);
const sh = (script: string): Step => ({ kind: 'exec', in: 'builder', argv: ['sh', '-c', script] });

async function expectAllReleased() {
  expect(await loopDevicesFor(out)).toEqual([]);
  expect(await mountsMentioning(PATHS.run)).toEqual([]);
  expect(existsSync(PATHS.run)).toBe(false);
  expect(existsSync(workDir(out))).toBe(false);
}

describe('disk steps', () => {
  it('partitions and formats exactly as planned, then releases everything', async () => {
    const probe = `${out}/probe.txt`;
    await runStages(plan, [
      prepare(),
      partitionStage(plan.disk, rawDiskPath(out)),
      filesystemStage(plan.disk),
      mountRoot(),
      stage('probe', [sh(`for r in esp boot root; do blkid -o export $(readlink -f ${PATHS.dev}/$r); done > ${probe}; findmnt -no FSTYPE ${PATHS.target} >> ${probe}`)]),
      stage('release', [{ kind: 'release' }]),
      ...exportStages(out, plan.outputs, plan.exportOptions, plan.disk.sizeBytes),
    ]);
    await expectAllReleased();

    const table = JSON.parse((await execa('sfdisk', ['--json', `${out}/image/disk.raw`])).stdout).partitiontable;
    expect(table.id).toBe(plan.disk.uuid.toUpperCase());
    expect(table.partitions.map((p: { start: number; size: number; uuid: string; name: string }) => [p.start * 512, p.size * 512, p.uuid, p.name])).toEqual(
      plan.disk.partitions.map((p) => [p.startBytes, p.sizeBytes, p.uuid.toUpperCase(), p.name]),
    );
    const probed = await readFile(probe, 'utf8');
    for (const p of plan.disk.partitions.filter((x) => x.filesystem)) {
      expect(probed).toContain(`UUID=${p.filesystem?.uuid}\n`);
      expect(probed).toContain(`LABEL=${p.filesystem?.label}\n`);
    }
    expect(probed.trim().split('\n').at(-1)).toBe('ext4');
    expect(existsSync(`${out}/manifest-raw.json`)).toBe(true);
  });

  it('releases everything when a command fails half-way, reporting that command', async () => {
    const run = runStages(plan, [
      prepare(),
      partitionStage(plan.disk, rawDiskPath(out)),
      filesystemStage(plan.disk),
      mountRoot(),
      stage('fail', [sh('echo "disk on fire" >&2; exit 3')]),
    ]);
    await expect(run).rejects.toThrow(CommandFailed);
    await expect(run).rejects.toThrow('sh failed (exit code 3): disk on fire');
    await expectAllReleased();
  });

  it('reports the failing lane, not the sibling it had to stop', async () => {
    const run = runStages(plan, [prepare(), stage('lanes', [sh('sleep 0.3; echo "mkfs: bad" >&2; exit 5')], [sh('sleep 60')])]);
    await expect(run).rejects.toThrow('sh failed (exit code 5): mkfs: bad');
    await expectAllReleased();
    expect(await processesLeft('sleep 60([^0-9]|$)')).toEqual([]);
  });

  it('stops every lane and releases everything when interrupted', async () => {
    const controller = new AbortController();
    const run = runStages(
      plan,
      [prepare(), partitionStage(plan.disk, rawDiskPath(out)), filesystemStage(plan.disk), mountRoot(), stage('wait', [sh('sleep 61; echo late')], [sh('sleep 62 & sleep 63; wait')])],
      controller.signal,
    );
    setTimeout(() => controller.abort(new Interrupted('SIGINT')), 1500);
    await expect(run).rejects.toThrow(Interrupted);
    await expectAllReleased();
    expect(await processesLeft('sleep 6[123]([^0-9]|$)')).toEqual([]);
  });
});
