// The table a build ends with (term and plain): each artifact with its format, the disk's
// virtual size, the file's size and what it takes on disk, a checksum prefix, and when it was
// ready after the disk. Plain text, aligned, no escape codes.
import { relative } from 'node:path';
import type { EventOf } from './events.js';

const HEADER = ['artifact', 'format', 'virtual', 'size', 'allocated', 'sha256', 'ready'];

export function summaryTable(start: EventOf<'build-start'> | undefined, artifacts: EventOf<'artifact'>[], outputDir: string): string[] {
  if (artifacts.length === 0) return [];
  const rows = artifacts.map((a) => [
    relative(outputDir, a.path),
    a.artifactType,
    start ? size(start.diskBytes) : '',
    size(a.bytes),
    size(a.allocatedBytes),
    a.sha256.slice(0, 12),
    `+${a.seconds.toFixed(1)} s`,
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(HEADER), ...rows.map(line)];
}

export function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  for (; value >= 1024 && i < units.length - 1; i++) value /= 1024;
  return `${value.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
