// What a booted artifact must show, from the manifest of the build that made it: `--manifest`,
// or the manifest-*.json beside the builder's layout (out/qcow2/disk.qcow2 -> out/) that
// lists the artifact among its outputs. Without one, only / must be mounted.
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { DEFAULT_EXPECTATIONS, type Expectations } from './verdict.js';

async function readPlan(path: string): Promise<Plan> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Plan;
  } catch (error) {
    throw new UserError('usage', `--manifest ${path}: not a build manifest (${(error as Error).message})`);
  }
}

function fromPlan(plan: Plan): Expectations {
  if (!plan.expected) return DEFAULT_EXPECTATIONS;
  const { mounts, users } = plan.expected;
  // /var is ostree's bind mount of the stateroot's var unless the config gives it a filesystem
  return { mounts, users, reportMounts: mounts.includes('/var') ? [] : ['/var'] };
}

/** The manifest of the build `artifact` came from, if it lies where a build put it. */
export async function findManifest(artifact: string): Promise<string | undefined> {
  const top = dirname(dirname(artifact));
  const names = (await readdir(top).catch(() => [] as string[])).filter((n) => /^manifest-.*\.json$/.test(n));
  for (const name of names) {
    const plan = await readPlan(join(top, name)).catch(() => undefined);
    if (plan?.outputs?.some((o) => o.path === relative(top, artifact))) return join(top, name);
  }
  return undefined;
}

export async function expectationsFor(artifact: string, manifest: string | undefined, extraUsers: string[]): Promise<{ expected: Expectations; manifest?: string }> {
  const path = manifest ?? (await findManifest(artifact));
  const base = path ? fromPlan(await readPlan(path)) : DEFAULT_EXPECTATIONS;
  const expected = { ...base, users: [...new Set([...base.users, ...extraUsers])] };
  return path ? { expected, manifest: path } : { expected };
}

export const displayName = (artifact: string) => `${basename(dirname(artifact))}/${basename(artifact)}`;
