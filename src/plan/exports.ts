// From the finished raw disk to the artifacts the user asked for, in bootc-image-builder's
// output layout. One disk, any number of conversions, each in its own lane (they run in
// parallel). Every artifact is written under a work name and published (hashed, chowned,
// renamed into place) only when complete, so a file with a final name is always a finished
// one; the raw disk is published last because the conversions read it.
import { GiB, MiB } from './partitions.js';
import { workDir } from './paths.js';
import type { ExportOptions, ImageType, Output, Stage, Step } from './types.js';

export const OUTPUT_PATHS: Record<ImageType, string> = {
  qcow2: 'qcow2/disk.qcow2',
  raw: 'image/disk.raw',
  ami: 'image/disk.raw',
  vmdk: 'vmdk/disk.vmdk',
  vdi: 'vdi/disk.vdi',
  vhd: 'vpc/disk.vhd',
  gce: 'gce/image.tar.gz',
  ova: 'archive/disk.ova',
};

/** Types that are the raw disk itself. */
const RAW_TYPES: readonly ImageType[] = ['raw', 'ami'];

export const CHECKSUMS_FILE = 'SHA256SUMS';
export const BUILD_RECORD_FILE = 'build-record.json';

export function planOutputs(types: ImageType[]): Output[] {
  return types.map((type) => ({ type, path: OUTPUT_PATHS[type] }));
}

/** bootc-image-builder names the manifest after the requested types: manifest-qcow2-raw.json */
export function manifestName(types: ImageType[]): string {
  return `manifest-${types.join('-')}.json`;
}

/** The unit the disk size must be a multiple of: GCE takes whole GiB, Azure (vhd) whole MiB,
 * anything else whole 512-byte sectors. */
export function sizeUnit(types: ImageType[]): { bytes: number; why: string } {
  if (types.includes('gce')) return { bytes: GiB, why: 'Google Compute Engine (--type gce) takes only disks of whole GiB' };
  if (types.includes('vhd')) return { bytes: MiB, why: 'Azure (--type vhd) takes only disks of whole MiB' };
  return { bytes: 512, why: 'a disk is made of whole 512-byte sectors' };
}

/**
 * Bytes the build writes in the output directory at most: the disk (the image's files once
 * in the ostree repository, /var and /etc copies, filesystem overhead) and one converted
 * copy per non-raw output (two for ova: its vmdk and the tar holding it), which exist beside
 * the disk until the work directory is removed.
 */
export function estimateSpace(imageBytes: number, outputs: Output[]): number {
  const disk = Math.ceil((imageBytes * 1.3) / MiB) * MiB + 512 * MiB;
  const copies = outputs.reduce((n, o) => n + (RAW_TYPES.includes(o.type) ? 0 : o.type === 'ova' ? 2 : 1), 0);
  return disk * (1 + copies);
}

export function rawDiskPath(outputDir: string): string {
  return `${workDir(outputDir)}/disk.raw`;
}

/** qemu-img's arguments for each disk format. */
export function convertArgv(type: 'qcow2' | 'vmdk' | 'vdi' | 'vhd', options: ExportOptions, from: string, to: string): string[] {
  const convert = ['qemu-img', 'convert', '-p', '-f', 'raw'];
  switch (type) {
    case 'qcow2':
      return [...convert, '-O', 'qcow2', '-o', 'compat=1.1', ...(options.qcow2Compressed ? ['-c'] : []), from, to];
    case 'vmdk':
      return [...convert, '-O', 'vmdk', '-o', `subformat=${options.vmdkSubformat}`, from, to];
    case 'vdi':
      return [...convert, '-O', 'vdi', from, to];
    case 'vhd':
      // Azure: fixed size, virtual size exactly the disk's (no CHS rounding)
      return [...convert, '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', from, to];
  }
}

/** A qemu-img conversion, its progress reported as the format's task. */
function converting(type: ImageType, argv: string[]): Step {
  return { kind: 'exec', in: 'builder', argv, progress: { task: type, format: 'qemu-img' } };
}

/** GCE: disk.raw in an oldgnu tar (sparse-aware), gzip-compressed on all cores. */
export function gceArgv(raw: string, to: string): string[] {
  const dir = raw.slice(0, raw.lastIndexOf('/'));
  return ['tar', '--format=oldgnu', '--sparse', '--use-compress-program=pigz', '-cf', to, '-C', dir, 'disk.raw'];
}

export function exportStages(outputDir: string, outputs: Output[], options: ExportOptions, diskBytes: number): Stage[] {
  const work = workDir(outputDir);
  const raw = rawDiskPath(outputDir);
  const partial = (type: ImageType) => `${work}/${type}-${OUTPUT_PATHS[type].split('/').pop()}`;
  const publish = (types: ImageType[], from: string): Step => {
    const name = OUTPUT_PATHS[types[0] as ImageType];
    return { kind: 'publish', types, from, to: `${outputDir}/${name}` };
  };
  const types = outputs.map((o) => o.type);
  const ova = (vmdk: string): Step => ({ kind: 'write-ova', vmdk, partial: partial('ova'), dir: `${work}/ova`, name: 'disk', virtualSizeBytes: diskBytes });
  const ovaRidesVmdk = types.includes('ova') && types.includes('vmdk') && options.vmdkSubformat === 'streamOptimized';

  const lanes: Step[][] = [];
  for (const type of types) {
    switch (type) {
      case 'qcow2':
      case 'vdi':
      case 'vhd':
        lanes.push([converting(type, convertArgv(type, options, raw, partial(type))), publish([type], partial(type))]);
        break;
      case 'vmdk':
        lanes.push([
          converting('vmdk', convertArgv('vmdk', options, raw, partial('vmdk'))),
          ...(ovaRidesVmdk ? [ova(partial('vmdk'))] : []),
          publish(['vmdk'], partial('vmdk')),
          ...(ovaRidesVmdk ? [publish(['ova'], partial('ova'))] : []),
        ]);
        break;
      case 'ova': {
        if (ovaRidesVmdk) break;
        const vmdk = `${work}/ova-disk.vmdk`;
        const stream = { ...options, vmdkSubformat: 'streamOptimized' as const };
        lanes.push([converting('ova', convertArgv('vmdk', stream, raw, vmdk)), ova(vmdk), publish(['ova'], partial('ova'))]);
        break;
      }
      case 'gce':
        lanes.push([{ kind: 'exec', in: 'builder', argv: gceArgv(raw, partial('gce')), progress: { task: 'gce', format: 'reads', file: raw } }, publish(['gce'], partial('gce'))]);
        break;
      case 'raw':
      case 'ami':
        break;
    }
  }
  const rawTypes = types.filter((t) => RAW_TYPES.includes(t));
  // the raw disk is hashed while the others convert, and published once nothing reads it
  if (rawTypes.length > 0) lanes.push([{ kind: 'checksum', path: raw }]);
  const finish: Step[] = [
    ...(rawTypes.length > 0 ? [publish(rawTypes, raw)] : []),
    { kind: 'write-manifest', path: `${outputDir}/${manifestName(types)}` },
    { kind: 'write-checksums', path: `${outputDir}/${CHECKSUMS_FILE}` },
    { kind: 'write-build-record', path: `${outputDir}/${BUILD_RECORD_FILE}` },
  ];
  return [
    { title: `Write ${types.join(', ')}`, lanes },
    { title: 'Publish the artifacts', lanes: [finish] },
  ];
}
