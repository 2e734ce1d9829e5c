// Sizes as osbuild blueprints write them: bytes as a number, or a number with one of the
// units kB, KiB, MB, MiB, GB, GiB, TB, TiB (case matters), with or without a space.
const UNITS: Record<string, number> = {
  '': 1,
  kB: 1e3,
  KiB: 2 ** 10,
  MB: 1e6,
  MiB: 2 ** 20,
  GB: 1e9,
  GiB: 2 ** 30,
  TB: 1e12,
  TiB: 2 ** 40,
};

/** Bytes, or undefined when the text is not a size. */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGT]i?B)?\s*$/.exec(value);
  const unit = UNITS[m?.[2] ?? ''];
  if (!m || unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

/** Bytes as people write them: "10 GiB", "1536 MiB", "9.31 GiB" (not whole), "4096 bytes". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  return `${bytes} bytes`;
}
