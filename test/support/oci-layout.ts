// Rewrites an OCI layout's image config (e.g. its architecture), re-hashing config,
// manifest and index so the layout stays valid: a way to get images this machine cannot
// build, such as an arm64 one.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

interface Descriptor {
  digest: string;
  size: number;
}

async function writeBlob(layout: string, json: unknown): Promise<Descriptor> {
  const data = Buffer.from(JSON.stringify(json));
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  await writeFile(`${layout}/blobs/sha256/${digest.slice(7)}`, data);
  return { digest, size: data.length };
}

const blob = async (layout: string, digest: string) => JSON.parse(await readFile(`${layout}/blobs/sha256/${digest.slice(7)}`, 'utf8'));

export async function rewriteConfig(layout: string, change: (config: Record<string, unknown>) => void): Promise<void> {
  const index = JSON.parse(await readFile(`${layout}/index.json`, 'utf8'));
  const manifest = await blob(layout, index.manifests[0].digest);
  const config = await blob(layout, manifest.config.digest);
  change(config);
  manifest.config = { ...manifest.config, ...(await writeBlob(layout, config)) };
  index.manifests[0] = { ...index.manifests[0], ...(await writeBlob(layout, manifest)) };
  await writeFile(`${layout}/index.json`, JSON.stringify(index));
}
