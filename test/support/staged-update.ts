// Updates as bootc makes them, lived through by the booted system (test/e2e/update.test.ts,
// and test/e2e-full/repeats.test.ts for a repeat under the other firmware): see there.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { imageRef } from '../../src/plan/ostree-ref.js';
import type { Plan } from '../../src/plan/types.js';
import { type BootResult, bootCheck, type Firmware } from './boot.js';
import { EXAMPLE, REPO, SHAPED, buildImageFrom, buildShapedImage, runBuilder } from './images.js';
import { CONFIG_SECRETS, CUSTOM_PROBES, checkEverything } from './custom-probes.js';
import { SHAPED_PROBES, checkShapedSystem } from './shaped-probes.js';

export interface Variant {
  name: string;
  image: string;
  /** version 2, built FROM image */
  v2Image: string;
  /** the version `grub-install --version` reports (the image may have no dpkg database) */
  grub: RegExp;
  firmwares: Firmware[];
  prepare?: () => Promise<void>;
  /** the build config of version 1, mounted at /config.toml */
  config: string;
  /** asked of the first boot, and checked by checkFirst */
  probes: Record<string, string>;
  checkFirst: (boot: BootResult) => void;
  /** hostname and a user of the config, still there after the update */
  kept: string;
}

export const UPDATE_VARIANTS: Variant[] = [
  {
    name: 'trixie example',
    image: EXAMPLE,
    v2Image: `${EXAMPLE}:update-v2`,
    grub: /^2\.12-/,
    // UEFI's staged update with GRUB 2.12 in test-full (test/e2e-full/repeats.test.ts): the
    // menu both firmwares read is the same file, written by the same generator
    firmwares: ['bios'],
    config: `${REPO}test/fixtures/configs/everything.toml`,
    probes: CUSTOM_PROBES,
    checkFirst: checkEverything,
    kept: 'dbib-custom alice',
  },
  {
    name: 'image shaped like the public ones (sid, composefs)',
    image: SHAPED,
    v2Image: `${SHAPED}:update-v2`,
    grub: /^2\.14-/,
    firmwares: ['bios', 'uefi'],
    prepare: buildShapedImage,
    config: `${REPO}test/fixtures/configs/shaped.toml`,
    probes: SHAPED_PROBES,
    checkFirst: checkShapedSystem,
    kept: 'dbib-shaped alice',
  },
];

/** The tests of one variant (call inside a describe). */
export function stagedUpdateTests(variant: Variant): void {
  const { v2Image } = variant;
  const ref = imageRef({ kind: 'registry', name: variant.image });
  let work: string;
  let v1Disk: string;
  let v2Disk: string;
  let v2Root: { number: number; type: string };
  let built: { plan: Plan; manifest: string; log: string };
  beforeAll(async () => {
    await variant.prepare?.();
    work = await mkdtemp(`${tmpdir()}/dbib-update-`);
    await buildImageFrom(v2Image, `FROM ${variant.image}\nRUN echo v2 > /usr/share/dbib-update-version\nLABEL org.opencontainers.image.version=2\n`);
    const [v1Out, v2Out] = [await mkdtemp(`${work}/v1-`), await mkdtemp(`${work}/v2-`)];
    const builds = await Promise.all([
      runBuilder(['--log-level', 'debug', '--type', 'qcow2', variant.image], { output: v1Out, podmanArgs: ['-v', `${variant.config}:/config.toml:ro`] }),
      // version 2 under the name version 1 updates from, as a registry would serve it
      runBuilder(['--type', 'raw', '--target-imgref', variant.image, v2Image], { output: v2Out }),
    ]);
    for (const r of builds) if (r.exitCode !== 0) throw new Error(`build failed: ${r.stderr.split('\n').slice(-5).join('\n')}`);
    v1Disk = `${v1Out}/qcow2/disk.qcow2`;
    const manifest = await readFile(`${v1Out}/manifest-qcow2.json`, 'utf8');
    built = { plan: JSON.parse(manifest) as Plan, manifest, log: builds[0]?.stderr ?? "" };
    v2Disk = `${v2Out}/image/disk.raw`;
    const plan = JSON.parse(await readFile(`${v2Out}/manifest-raw.json`, 'utf8')) as Plan;
    const root = plan.disk.partitions.find((p) => p.role === 'root');
    v2Root = { number: root?.number as number, type: root?.filesystem?.type as string };
  });

  // the second disk is read-only: no journal replay (ext4: noload, xfs: norecovery)
  const stage = () => `set -e
before=$(ostree rev-parse ${ref})
mkdir -p /run/v2 && mount -o ro,${v2Root.type === 'xfs' ? 'norecovery' : 'noload'} /dev/vdb${v2Root.number} /run/v2
mount -o remount,rw /sysroot
ostree pull-local /run/v2/ostree/repo $(ostree --repo=/run/v2/ostree/repo refs | grep '^ostree/container/') >/dev/null
cp /ostree/deploy/default/deploy/*.origin /run/origin
ostree admin deploy --stage --os=default --origin-file=/run/origin ${ref} >/dev/null 2>/run/deploy.log
umount /run/v2
echo "before=$before after=$(ostree rev-parse ${ref}) staged=$(ostree admin status | grep -c '(staged)')"`;

  it.each(variant.firmwares)('%s: the staged deployment boots next, the old one is the rollback', async (firmware) => {
    const disk = `${work}/overlay-${firmware}.qcow2`;
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', v1Disk, '-F', 'qcow2', disk]);
    const first = await bootCheck(disk, {
      firmware,
      format: 'qcow2',
      persistent: true,
      cleanShutdown: true,
      extraDisks: [v2Disk],
      log: `${work}/update-${firmware}-1.log`,
      // the image's dpkg database may be gone with its /var: ask GRUB itself
      probes: { ...variant.probes, update: stage(), grub: "grub-install --version | sed 's/.* //'" },
    });
    console.log(`${variant.name} ${firmware} first boot: ${first.seconds.toFixed(1)} s, state=${first.state}, GRUB ${first.probes.grub}, ${first.probes.update}\n${JSON.stringify(first.probes, null, 1)}\n${first.ostreeStatus}`);
    expect(first.state).toBe('running');
    expect(first.failedUnits).toEqual([]);
    expect(first.probes.grub).toMatch(variant.grub);
    // the deployment booted, with the planned root and ostree's own karg
    expect(first.cmdline).toContain(`root=UUID=${built.plan.disk.partitions.find((p) => p.role === 'root')?.filesystem?.uuid}`);
    expect(first.cmdline).toMatch(/ostree=\/ostree\/boot\.\d\/default\/[0-9a-f]{64}\/0/);
    expect(first.ostreeStatus).toMatch(/^\* default [0-9a-f]{64}\.0$/m);
    variant.checkFirst(first);
    const m = /before=(\w{64}) after=(\w{64}) staged=1$/.exec(first.probes.update ?? '');
    expect(m, first.probes.update).not.toBeNull();
    const [, v1, v2] = m as RegExpExecArray;
    expect(v2).not.toBe(v1);

    const second = await bootCheck(disk, {
      firmware,
      format: 'qcow2',
      persistent: true,
      log: `${work}/update-${firmware}-2.log`,
      probes: {
        version: 'cat /usr/share/dbib-update-version',
        menu: "grep '^menuentry' /boot/grub/grub.cfg | cut -d\"'\" -f2",
        menuWriter: 'head -n 1 /boot/grub/grub.cfg',
        kept: 'hostname; id -un alice 2>/dev/null || true',
      },
    });
    console.log(`${variant.name} ${firmware} second boot: ${second.seconds.toFixed(1)} s, version=${second.probes.version}, ${second.probes.menuWriter}, menu: ${second.probes.menu}\n${second.ostreeStatus}`);
    expect(second.state).toBe('running');
    expect(second.failedUnits).toEqual([]);
    expect(second.probes.version).toBe('v2');
    expect(second.ostreeStatus).toMatch(new RegExp(`^\\* default ${v2}\\.0$`, 'm'));
    expect(second.ostreeStatus).toMatch(new RegExp(`^ {2}default ${v1}\\.0 \\(rollback\\)$`, 'm'));
    expect(second.origin).toBe(`ostree-unverified-registry:${variant.image}`);
    // the menu was written at shutdown by the generator the system keeps, from the new entries
    expect(second.probes.menuWriter).toMatch(/^# Written by \/etc\/deb-bootc-image-builder\/grub-menu from \/boot\/loader\.[01]\/entries$/);
    expect(second.probes.menu?.split(' (ostree:')).toHaveLength(3);
    expect(second.probes.kept).toBe(variant.kept);
  });

  it("keeps the config's passwords, keys and file contents out of the build's log and manifest", () => {
    for (const secret of CONFIG_SECRETS) {
      expect(built.log).not.toContain(secret);
      expect(built.manifest).not.toContain(secret);
    }
    expect(built.manifest).toContain('@secret:user.alice.password@');
  });
}
