// Commands chrooted into the deployment the way bootupd runs (as bootc runs it): /proc when
// asked, host paths bound in with or without the mounts below them, nothing left mounted
// afterwards. The root here is a minimal tree lent the host's /usr.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planBuild } from '../../src/plan/build-plan.js';
import { bootupdInstallStep } from '../../src/plan/installer.js';
import { MOVE_INTO } from '../../src/plan/var-partitions.js';
import { PATHS, workDir } from '../../src/plan/paths.js';
import type { Plan, Stage, Step } from '../../src/plan/types.js';
import { runStages } from '../support/execute.js';
import { exampleFacts } from '../support/facts.js';
import { mountsMentioning } from '../support/system.js';

let out: string;
let plan: Plan;

beforeEach(async () => {
  out = await mkdtemp(`${tmpdir()}/buildroot-`);
  plan = planBuild(exampleFacts(), { types: ['raw'], outputDir: out }, 'test');
});

afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const root = PATHS.deployment;
const sh = (script: string): Step => ({ kind: 'exec', in: 'builder', argv: ['sh', '-c', script] });

/** A root of empty directories and usr-merge links, with the host's /usr bound in read-only. */
function minimalRoot(): Stage {
  const dirs = ['usr', 'proc', 'sys', 'dev', 'run', 'tmp', 'sysroot', 'boot'].map((d) => `${root}/${d}`).join(' ');
  const links = ['bin', 'sbin', 'lib', 'lib64'].map((l) => `ln -s usr/${l} ${root}/${l}`).join('; ');
  return {
    title: 'minimal root',
    lanes: [
      [
        { kind: 'scratch-dir', path: PATHS.run },
        { kind: 'scratch-dir', path: workDir(out) },
        sh(`mkdir -p ${dirs} ${PATHS.boot} ${PATHS.dev} ${out}/boot/efi ${out}/esp; ${links}; echo new-root > ${PATHS.target}/marker`),
        sh(`echo boot > ${out}/boot/marker; echo esp > ${out}/esp/marker`),
        { kind: 'mount', source: '/usr', target: `${root}/usr`, options: ['bind', 'ro'] },
        // /boot is a mount of its own, with the ESP mounted below it, as in a real build
        { kind: 'mount', source: `${out}/boot`, target: PATHS.boot, options: ['bind'] },
        { kind: 'mount', source: `${out}/esp`, target: `${PATHS.boot}/efi`, options: ['bind'] },
      ],
    ],
  };
}

const PROBE = `{
  cat /sysroot/marker /boot/marker /sysroot/boot/efi/marker
  echo "boot/efi entries: $(ls -A /boot/efi | wc -l)"
  if [ -r /proc/self/mountinfo ]; then echo proc; else echo no-proc; fi
  test -e /run/deb-bootc-image-builder && echo run-visible || echo run-private
  test -d /run/deb-bootc-image-builder-dev && echo dev-links
} > /sysroot/PROBE_NAME 2>&1`;

describe('commands in the deployment root', () => {
  it('bootupd\'s view: /proc, the new root at /sysroot with its mounts, /boot without them; all gone afterwards', async () => {
    // exactly the mounts the bootupd step asks for
    const { binds } = bootupdInstallStep() as Extract<Step, { kind: 'exec' }>;
    await runStages(plan, [
      minimalRoot(),
      {
        title: 'probe',
        lanes: [
          [
            { kind: 'exec', in: 'deployment', proc: true, binds, argv: ['sh', '-c', PROBE.replace('PROBE_NAME', 'with-proc')] },
            { kind: 'exec', in: 'deployment', binds, argv: ['sh', '-c', PROBE.replace('PROBE_NAME', 'without-proc')] },
            sh(`cp ${PATHS.target}/with-proc ${PATHS.target}/without-proc ${out}/`),
          ],
        ],
      },
      { title: 'release', lanes: [[{ kind: 'release' }]] },
    ]);
    // /sysroot carries its mounts; /boot does not, so bootupd finds /boot/efi empty to mount the ESP on
    const seen = ['new-root', 'boot', 'esp', 'boot/efi entries: 0'];
    expect((await readFile(`${out}/with-proc`, 'utf8')).split('\n')).toEqual([...seen, 'proc', 'run-private', 'dev-links', '']);
    expect((await readFile(`${out}/without-proc`, 'utf8')).split('\n')).toEqual([...seen, 'no-proc', 'run-private', 'dev-links', '']);
    expect(await mountsMentioning(PATHS.run)).toEqual([]);
    expect(existsSync(PATHS.run)).toBe(false);
  });
});

describe('a root whose links lead outside it', () => {
  it('is never mounted on through a link: a /tmp that is a link to a host directory stops the command', async () => {
    const hostDir = `${out}/host-tmp`;
    const failed = runStages(plan, [
      minimalRoot(),
      {
        title: 'probe',
        lanes: [
          [
            sh(`rmdir ${root}/tmp && mkdir ${hostDir} && echo canary > ${hostDir}/canary && ln -s ${hostDir} ${root}/tmp`),
            { kind: 'exec', in: 'deployment', argv: ['sh', '-c', 'echo escaped > /tmp/canary'] },
          ],
        ],
      },
    ]);
    await expect(failed).rejects.toThrow(/\/tmp is a symlink in the root or goes through one: refusing to mount there/);
    expect(await readFile(`${hostDir}/canary`, 'utf8')).toBe('canary\n');
    expect(await mountsMentioning(PATHS.run)).toEqual([]);
  });

  it("moves nothing into a /var filesystem through a link of the image's /var", async () => {
    const [hostDir, fs, link] = [`${out}/host-data`, `${out}/newfs`, `${out}/var-data`];
    await execa('sh', ['-c', `mkdir ${hostDir} ${fs} && echo canary > ${hostDir}/canary && ln -s ${hostDir} ${link}`]);
    const run = await execa('sh', ['-c', MOVE_INTO, 'move-into', `${link}/victim`, fs], { reject: false });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/leads elsewhere through a symlink in the image's \/var: refusing to move or mount anything there/);
    expect(await readFile(`${hostDir}/canary`, 'utf8')).toBe('canary\n');
    expect(existsSync(`${hostDir}/victim`)).toBe(false);
  });
});

describe('commands that must not freeze a filesystem', () => {
  it('cannot freeze one with noFreeze (ostree then syncs /boot), and can without it', async () => {
    const [image, fs] = [`${out}/small.img`, `${out}/small`];
    await execa('sh', ['-c', `truncate -s 16M ${image} && mkfs.ext4 -q ${image} && mkdir ${fs} && mount -o loop ${image} ${fs}`]);
    try {
      const attempt = (name: string, noFreeze: boolean): Step => ({
        kind: 'exec',
        in: 'deployment',
        binds: [{ source: fs, target: '/sysroot' }],
        ...(noFreeze ? { noFreeze } : {}),
        argv: ['sh', '-c', `if fsfreeze -f /sysroot 2>/dev/null; then fsfreeze -u /sysroot; echo froze > /sysroot/${name}; else echo refused > /sysroot/${name}; fi`],
      });
      await runStages(plan, [minimalRoot(), { title: 'freeze', lanes: [[attempt('without-caps', true), attempt('with-caps', false)]] }, { title: 'release', lanes: [[{ kind: 'release' }]] }]);
      expect(await readFile(`${fs}/without-caps`, 'utf8')).toBe('refused\n');
      expect(await readFile(`${fs}/with-caps`, 'utf8')).toBe('froze\n');
    } finally {
      await execa('umount', [fs], { reject: false });
    }
  });
});
