// Disk layouts from the build config, proven in the booted system, and bootc-image-builder's
// own README examples, unchanged. (A config with every supported customization is checked in
// the booted system by test/e2e/update.test.ts, whose first boots carry one.)
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { bootCheck } from '../support/boot.js';
import { EXAMPLE, REPO, runBuilder } from '../support/images.js';

const CONFIGS = `${REPO}test/fixtures/configs`;

describe('a disk layout with plain partitions', () => {
  it('boots with swap in use, an xfs /var filesystem mounted, labels and sizes as asked', async () => {
    const out = await mkdtemp(`${tmpdir()}/dbib-disk-`);
    const build = await runBuilder(['--type', 'qcow2', EXAMPLE], { output: out, podmanArgs: ['-v', `${CONFIGS}/disk.toml:/config.toml:ro`] });
    expect(build.exitCode).toBe(0);
    const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, {
      firmware: 'bios',
      format: 'qcow2',
      log: `${out}/serial.log`,
      probes: {
        swap: 'swapon --show=TYPE,SIZE --noheadings; lsblk -no LABEL "$(swapon --show=NAME --noheadings)"',
        xfs: 'findmnt -no FSTYPE,LABEL,TARGET /var/lib/xfsdata; lsblk -no PARTLABEL "$(findmnt -no SOURCE /var/lib/xfsdata)"',
        disk: 'lsblk -dnbo SIZE /dev/vda',
      },
    });
    console.log(`disk layout boot: ${boot.seconds.toFixed(1)} s, state=${boot.state} ${JSON.stringify(boot.probes)}`);
    expect(boot.state).toBe('running');
    expect(boot.probes).toMatchObject({ swap: 'partition 256M dbib-swap', xfs: 'xfs xfsdata /var/lib/xfsdata data-xfs', disk: String(12 * 1024 ** 3) });
  });
});

describe("bootc-image-builder's README examples, unchanged", () => {
  it('builds with the user and filesystem examples (config.toml) and plans the kernel example (config.json)', async () => {
    const out = await mkdtemp(`${tmpdir()}/dbib-bib-readme-`);
    const build = await runBuilder(['--type', 'qcow2', EXAMPLE], { output: out, podmanArgs: ['-v', `${CONFIGS}/bib-readme.toml:/config.toml:ro`] });
    expect(build.exitCode).toBe(0);
    const plan = JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan;
    expect(plan.disk.partitions.find((p) => p.filesystem?.mountpoint === '/var/data')?.sizeBytes).toBe(20 * 1024 ** 3);
    // what it makes of them (the user, password, key and filesystem boot in test-full)
    const execs = plan.stages.flatMap((st) => st.lanes.flat()).flatMap((st) => (st.kind === 'exec' ? [st] : []));
    expect(execs.find((st) => st.argv[0] === 'useradd')?.argv).toEqual(['useradd', '-m', '-G', 'sudo', '-s', '/bin/bash', 'alice']);
    expect(execs.find((st) => st.argv[0] === 'chpasswd')?.stdin).toBe('alice:@secret:user.alice.password@\n');
    expect(execs.some((st) => st.argv.includes('authorized-keys') && st.argv.includes('alice'))).toBe(true);
    expect(JSON.stringify(plan)).not.toContain('AAA ... user@email.com');

    const kernel = await runBuilder(['manifest', EXAMPLE], { podmanArgs: ['-v', `${CONFIGS}/bib-readme-kernel.json:/config.json:ro`] });
    expect(kernel.exitCode).toBe(0);
    expect((JSON.parse(kernel.stdout) as Plan).deployment.kargs.at(-1)).toBe('mitigations=auto,nosmt');
  });
});
