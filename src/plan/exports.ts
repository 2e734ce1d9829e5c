// From the finished raw disk to the artifacts the user asked for, in bootc-image-builder's
// output layout. Conversions write into the work directory and are renamed into place only
// when complete, so a file with a final name is always a finished one.
import { workDir } from './paths.js';
import type { ImageType, Output, Stage, Step } from './types.js';

export const OUTPUT_PATHS: Record<ImageType, string> = {
  qcow2: 'qcow2/disk.qcow2',
  raw: 'image/disk.raw',
};

export function planOutputs(types: ImageType[]): Output[] {
  return types.map((type) => ({ type, path: OUTPUT_PATHS[type] }));
}

/** bootc-image-builder names the manifest after the requested types: manifest-qcow2-raw.json */
export function manifestName(types: ImageType[]): string {
  return `manifest-${types.join('-')}.json`;
}

/**
 * Bytes the build writes in the output directory at most: the disk (the image's files once
 * in the ostree repository, /var and /etc copies, filesystem overhead) and one converted
 * copy per non-raw output, which exists beside the disk until the disk is removed.
 */
export function estimateSpace(imageBytes: number, outputs: Output[]): number {
  const MiB = 1024 * 1024;
  const disk = Math.ceil((imageBytes * 1.3) / MiB) * MiB + 512 * MiB;
  return disk * (1 + outputs.filter((o) => o.type !== 'raw').length);
}

export function rawDiskPath(outputDir: string): string {
  return `${workDir(outputDir)}/disk.raw`;
}

export function exportStages(outputDir: string, outputs: Output[]): Stage[] {
  const raw = rawDiskPath(outputDir);
  const final = (o: Output) => `${outputDir}/${o.path}`;
  const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/'));
  const conversions = outputs
    .filter((o) => o.type !== 'raw')
    .map((o): Step[] => {
      const partial = `${workDir(outputDir)}/${o.path.replaceAll('/', '-')}`;
      return [
        { kind: 'exec', in: 'builder', argv: ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', '-o', 'compat=1.1', raw, partial] },
        { kind: 'mkdir', path: dirOf(final(o)), mode: 0o755 },
        { kind: 'rename', from: partial, to: final(o) },
      ];
    });
  const stages: Stage[] = [];
  if (conversions.length > 0) stages.push({ title: 'Convert the disk', lanes: conversions });
  const rawOutput = outputs.find((o) => o.type === 'raw');
  const finish: Step[] = [];
  if (rawOutput) {
    finish.push({ kind: 'mkdir', path: dirOf(final(rawOutput)), mode: 0o755 }, { kind: 'rename', from: raw, to: final(rawOutput) });
  }
  finish.push({ kind: 'write-manifest', path: `${outputDir}/${manifestName(outputs.map((o) => o.type))}` });
  stages.push({ title: 'Write the artifacts', lanes: [finish] });
  return stages;
}
