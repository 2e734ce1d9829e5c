// The images the end-to-end tests use and how the tests run the builder: exactly the
// `podman run` line the README gives users.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';

/** The builder under test; DBIB_TEST_BUILDER names one already built (global setup then builds
 * none), so tests can run beside another run that rebuilds the default tag. */
export const BUILDER = process.env.DBIB_TEST_BUILDER ?? 'localhost/deb-bootc-image-builder';
export const EXAMPLE = 'localhost/debian-bootc-example';
export const PLAIN_DEBIAN = 'docker.io/library/debian:trixie';
export const STORAGE = '/var/lib/containers/storage';
export const REPO = new URL('../..', import.meta.url).pathname;

export async function buildImage(tag: string, context: string, buildArgs: Record<string, string> = {}): Promise<void> {
  const args = Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  await execa('podman', ['build', '--network', 'host', '-q', ...args, '-t', tag, context], { stdout: 'ignore' });
}

/** An image shaped like the public Debian bootc images (test/fixtures/images/shaped), from sid. */
export const SHAPED = 'localhost/dbib-shaped';

/** Builds SHAPED once per run (podman's layer cache makes later calls quick); its sid base is
 * made by debootstrap when no registry has it. */
export function buildShapedImage(): Promise<void> {
  shaped ??= (async () => {
    await execa('sh', [`${REPO}recipes/base/debian.sh`, 'sid'], { stdout: 'ignore' });
    // sid's Release file is valid for a week; a mirror snapshot may be older than that
    await buildImage(SHAPED, `${REPO}test/fixtures/images/shaped`, { APT_OPTIONS: '-oAcquire::Check-Valid-Until=false' });
  })();
  return shaped;
}
let shaped: Promise<void> | undefined;

/** Builds an image from Containerfile text; `files` are copied into the build context. */
export async function buildImageFrom(tag: string, containerfile: string, files: Record<string, string> = {}): Promise<void> {
  const context = await mkdtemp(`${tmpdir()}/dbib-context-`);
  try {
    await writeFile(`${context}/Containerfile`, containerfile);
    for (const [name, from] of Object.entries(files)) await copyFile(from, `${context}/${name}`);
    await buildImage(tag, context);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

export interface BuilderRun {
  /** host directory mounted at /output */
  output?: string;
  privileged?: boolean;
  storage?: boolean;
  podmanArgs?: readonly string[];
}

/** `podman run --rm --privileged -v STORAGE:STORAGE -v OUT:/output BUILDER ...args` */
export function builderArgs(args: string[], run: BuilderRun = {}): string[] {
  return [
    'run', '--rm',
    ...(run.privileged === false ? [] : ['--privileged']),
    ...(run.storage === false ? [] : ['-v', `${STORAGE}:${STORAGE}`]),
    ...(run.output ? ['-v', `${run.output}:/output`] : []),
    ...(run.podmanArgs ?? []),
    BUILDER,
    ...args,
  ];
}

export function runBuilder(args: string[], run: BuilderRun = {}) {
  return execa('podman', builderArgs(args, run), { reject: false });
}
