// Packs an OVA: NAME.ovf, NAME.mf (SHA256 of both other files) and NAME.vmdk, in that order,
// in a POSIX ustar tar, as the OVF specification requires. The VMDK goes in by hard link,
// never by copy.
import { link, mkdir, stat, writeFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { renderManifest, renderOvf } from '../export/ovf.js';
import type { Step } from '../plan/types.js';
import type { Runner } from '../run/runner.js';
import { type Ledger, markReady, sha256File } from './artifacts.js';

/** ustar stores sizes in 11 octal digits. */
const USTAR_MAX_BYTES = 8 ** 11 - 1;

export async function writeOva(step: Extract<Step, { kind: 'write-ova' }>, ledger: Ledger, run: Runner, signal?: AbortSignal) {
  const vmdkBytes = (await stat(step.vmdk)).size;
  if (vmdkBytes > USTAR_MAX_BYTES) {
    throw new UserError(
      'build-failed',
      `the OVA's disk would be ${(vmdkBytes / 2 ** 30).toFixed(1)} GiB, more than a ustar OVA can hold (8 GiB): use --type vmdk and import the disk on its own`,
    );
  }
  const files = { ovf: `${step.name}.ovf`, mf: `${step.name}.mf`, vmdk: `${step.name}.vmdk` };
  await mkdir(step.dir, { recursive: true });
  await link(step.vmdk, `${step.dir}/${files.vmdk}`);
  const ovf = renderOvf({ name: step.name, vmdkBytes, virtualSizeBytes: step.virtualSizeBytes });
  await writeFile(`${step.dir}/${files.ovf}`, ovf);
  // the vmdk's hash also serves its own publication when --type vmdk shares it
  const [ovfHash, vmdk] = await Promise.all([sha256File(`${step.dir}/${files.ovf}`, signal), markReady(ledger, step.vmdk, signal)]);
  const manifest = renderManifest([
    { file: files.ovf, sha256: ovfHash },
    { file: files.vmdk, sha256: vmdk.sha256 },
  ]);
  await writeFile(`${step.dir}/${files.mf}`, manifest);
  await run.run(['tar', '--format=ustar', '--owner=0', '--group=0', '--numeric-owner', '-cf', step.partial, '-C', step.dir, files.ovf, files.mf, files.vmdk]);
}
