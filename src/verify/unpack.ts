// The GCE tarball and the OVA carry their disk inside: unpacked into a scratch directory
// (disk.raw sparse again), the disk then booted like any other. The archive is not changed.
import type { Runner } from '../run/runner.js';
import { type Artifact, QEMU_FORMAT } from './artifacts.js';

export interface Bootable {
  /** the file QEMU opens */
  disk: string;
  format: string;
}

export async function bootable(artifact: Artifact, scratch: string, runner: Runner): Promise<Bootable> {
  switch (artifact.kind) {
    case 'gce':
      await runner.run(['tar', '-xzSf', artifact.path, '-C', scratch, 'disk.raw']);
      return { disk: `${scratch}/disk.raw`, format: 'raw' };
    case 'ova':
      await runner.run(['tar', '-xf', artifact.path, '-C', scratch, 'disk.vmdk']);
      return { disk: `${scratch}/disk.vmdk`, format: 'vmdk' };
    default:
      return { disk: artifact.path, format: QEMU_FORMAT[artifact.kind] };
  }
}
