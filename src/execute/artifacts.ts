// What the export stages learn while they run: each artifact's checksum, size and how long
// it took after the disk was ready. Feeds SHA256SUMS and the build record.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chown, mkdir, rename, stat } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { ImageType, Plan } from '../plan/types.js';

export interface ArtifactRecord {
  types: ImageType[];
  /** relative to the output directory */
  path: string;
  bytes: number;
  /** bytes the file occupies (sparse files: less than `bytes`) */
  allocatedBytes: number;
  sha256: string;
  /** from the disk being ready to this artifact being written and hashed */
  seconds: number;
}

export interface Ledger {
  startedAt: Date;
  /** performance.now() when the disk was finished and released */
  diskReadyAt?: number;
  /** checksums computed ahead of publishing, by work path */
  ready: Map<string, { sha256: string; at: number }>;
  artifacts: ArtifactRecord[];
}

export function newLedger(): Ledger {
  return { startedAt: new Date(), ready: new Map(), artifacts: [] };
}

export async function sha256File(path: string, signal?: AbortSignal, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024, signal })) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return hash.digest('hex');
}

/** Hashes a finished work file and notes when it was ready. */
export async function markReady(ledger: Ledger, path: string, signal?: AbortSignal, onBytes?: (n: number) => void): Promise<{ sha256: string; at: number }> {
  const entry = { sha256: await sha256File(path, signal, onBytes), at: performance.now() };
  ledger.ready.set(path, entry);
  return entry;
}

/** --chown: applied to every file and directory the build writes in the output directory. */
export async function applyOwner(plan: Plan, path: string): Promise<void> {
  const owner = plan.exportOptions.owner;
  if (owner) await chown(path, owner.uid, owner.gid);
}

/** Moves a finished work file to its final name and records it. */
export async function publishArtifact(plan: Plan, ledger: Ledger, types: ImageType[], from: string, to: string, signal?: AbortSignal) {
  const ready = ledger.ready.get(from) ?? (await markReady(ledger, from, signal));
  await mkdir(dirname(to), { recursive: true, mode: 0o755 });
  await applyOwner(plan, dirname(to));
  await applyOwner(plan, from);
  await rename(from, to);
  const info = await stat(to);
  ledger.artifacts.push({
    types,
    path: relative(plan.space.path, to),
    bytes: info.size,
    allocatedBytes: info.blocks * 512,
    sha256: ready.sha256,
    seconds: round((ready.at - (ledger.diskReadyAt ?? ready.at)) / 1000),
  });
}

/** SHA256SUMS in the format `sha256sum -c` reads, paths relative to the output directory. */
export function renderChecksums(artifacts: ArtifactRecord[]): string {
  return [...artifacts]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((a) => `${a.sha256}  ${a.path}\n`)
    .join('');
}

/** The build record: what was built from what, by which builder, how big and how fast. The
 * plan carries no secrets (placeholders only), so the record does not either. */
/** finishedAt: epoch milliseconds */
export function buildRecord(plan: Plan, ledger: Ledger, finishedAt: number) {
  return {
    recordVersion: 1,
    builderVersion: plan.builderVersion,
    image: plan.image,
    startedAt: ledger.startedAt.toISOString(),
    seconds: {
      total: round((finishedAt - ledger.startedAt.getTime()) / 1000),
      disk: ledger.diskReadyAt === undefined ? undefined : round((ledger.diskReadyAt - startedPerf(ledger)) / 1000),
    },
    disk: { sizeBytes: plan.disk.sizeBytes },
    artifacts: ledger.artifacts,
    plan,
  };
}

function startedPerf(ledger: Ledger): number {
  return ledger.startedAt.getTime() - performance.timeOrigin;
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;
