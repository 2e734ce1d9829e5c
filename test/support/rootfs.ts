// Builds the example image with extra builder arguments and boots it, asking what the root
// filesystem tests check (test/e2e/root-filesystems.test.ts, test/e2e-full/repeats.test.ts).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Plan } from '../../src/plan/types.js';
import { bootCheck } from './boot.js';
import { EXAMPLE, runBuilder } from './images.js';

export const PROBES = {
  sysroot: 'findmnt -no FSTYPE,FSROOT /sysroot',
  boot: 'findmnt -no FSTYPE /boot',
  varlog: 'findmnt -no FSTYPE,FSROOT /var/log || echo not-a-mount',
  journal: 'journalctl --disk-usage >/dev/null && echo journal-ok',
  lvs: 'lvs --noheadings -o vg_name,lv_name,lv_size,lv_active --units m --nosuffix 2>&1 | tr -s " "',
  vgck: 'vgck 2>&1 && echo vgck-ok',
  swap: 'swapon --show=NAME,TYPE --noheadings',
  sysrootSource: 'findmnt -no SOURCE,FSTYPE /sysroot',
  varlogSource: 'findmnt -no SOURCE,FSTYPE /var/log',
};

export async function buildAndBoot(name: string, args: string[], podmanArgs: string[], firmware: 'bios' | 'uefi') {
  const out = await mkdtemp(`${tmpdir()}/dbib-rootfs-${name}-`);
  const build = await runBuilder([...args, '--type', 'qcow2', EXAMPLE], { output: out, podmanArgs });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.split('\n').slice(-5).join('\n')}`);
  const plan = JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan;
  const boot = await bootCheck(`${out}/qcow2/disk.qcow2`, { firmware, format: 'qcow2', log: `${out}/serial.log`, probes: PROBES });
  console.log(`${name}: ${firmware} boot ${boot.seconds.toFixed(1)} s, state=${boot.state} ${JSON.stringify(boot.probes)}\n${boot.cmdline}`);
  return { plan, boot };
}

