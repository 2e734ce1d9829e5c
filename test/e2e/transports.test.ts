// Every transport, for real: the example image is made available through each (the host's
// storage, a Docker Engine API socket, OCI archive, OCI layout, docker-archive, a registry
// with credentials), the builder container builds a qcow2 from it, and the registry pull's
// disk has its origin pointing back at the registry.
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { withRootFilesystem } from '../support/disk-files.js';
import { EXAMPLE, runBuilder } from '../support/images.js';
import { type PodmanService, type Registry, startPodmanService, startRegistry } from '../support/services.js';

let dir: string;
let registry: Registry;
let podmanService: PodmanService;

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/dbib-transports-`);
  await chmod(dir, 0o755);
  await Promise.all([
    execa('podman', ['save', '-q', '--format', 'oci-archive', '-o', `${dir}/example.oci.tar`, EXAMPLE]),
    execa('podman', ['save', '-q', '--format', 'docker-archive', '-o', `${dir}/example.docker.tar`, EXAMPLE]),
    execa('podman', ['save', '-q', '--format', 'oci-dir', '-o', `${dir}/example-oci`, EXAMPLE]),
  ]);
  registry = await startRegistry(dir);
  await execa('podman', ['push', '-q', '--tls-verify=false', '--creds', `${registry.user}:${registry.password}`, EXAMPLE, `${registry.address}/debian-bootc-example:latest`]);
  const auth = Buffer.from(`${registry.user}:${registry.password}`).toString('base64');
  await writeFile(`${dir}/auth.json`, JSON.stringify({ auths: { [registry.address]: { auth } } }));
  podmanService = await startPodmanService(dir);
});

afterAll(async () => {
  await registry?.stop();
  await podmanService?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function build(image: string, podmanArgs: string[], extra: string[] = []) {
  const out = await mkdtemp(`${tmpdir()}/dbib-transport-out-`);
  const started = performance.now();
  const run = await runBuilder(['--type', 'qcow2', ...extra, image], { output: out, podmanArgs });
  const seconds = (performance.now() - started) / 1000;
  console.log(`${image}: exit ${run.exitCode} in ${seconds.toFixed(1)} s\n${run.stderr}`);
  const plan = run.exitCode === 0 ? (JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan) : undefined;
  return { run, out, plan };
}


describe('building from each transport', () => {
  it('containers-storage: (the host storage, as BIB)', async () => {
    const { run, plan } = await build(`containers-storage:${EXAMPLE}`, []);
    expect(run.exitCode).toBe(0);
    expect(plan?.deployment.origin).toContain(`ostree-unverified-registry:${EXAMPLE}\n`);
  });

  it('docker-daemon: through a Docker Engine API socket (podman system service)', async () => {
    const { run, plan } = await build(`docker-daemon:${EXAMPLE}`, ['-v', `${podmanService.socket}:/var/run/docker.sock`]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(`Loading docker-daemon:${EXAMPLE} from the daemon`);
    expect(plan?.image.storage).toBe('/store/containers-storage');
    expect(plan?.deployment.origin).toContain(`ostree-unverified-registry:${EXAMPLE}\n`);
  });

  it.each([
    ['oci-archive:/in/example.oci.tar'],
    ['oci:/in/example-oci'],
    ['docker-archive:/in/example.docker.tar'],
  ])('%s (mounted into the builder)', async (image) => {
    const { run, plan } = await build(image, ['-v', `${dir}:/in:ro`]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(`warn: the installed system will look for updates in ${image}`);
    expect(plan?.deployment.origin).toBe(`[origin]\ncontainer-image-reference=ostree-unverified-image:${image}\n`);
  });

  it('docker:// from a registry that wants credentials, the disk updating from there', async () => {
    const image = `docker://${registry.address}/debian-bootc-example:latest`;
    const { run, out, plan } = await build(image, ['--network', 'host', '-v', `${dir}/auth.json:/run/containers/0/auth.json:ro`], ['--tls-verify=false']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/Copying blob/);
    const origin = `ostree-unverified-registry:${registry.address}/debian-bootc-example:latest`;
    expect(plan?.deployment.origin).toContain(`${origin}\n`);
    // what the booted system reads as its origin (booting this disk repeats the update test's
    // boots of the same image: test-full does it, test/e2e-full/repeats.test.ts)
    const written = await withRootFilesystem(`${out}/qcow2/disk.qcow2`, plan as Plan, async (root) => {
      const deploy = `${root}/ostree/deploy/default/deploy`;
      const [file] = (await readdir(deploy)).filter((n) => n.endsWith('.origin'));
      return readFile(`${deploy}/${file}`, 'utf8');
    });
    expect(written).toBe(`[origin]\ncontainer-image-reference=${origin}\n`);
  });

  it('refuses wrong registry credentials with exit 16', async () => {
    await writeFile(`${dir}/bad-auth.json`, JSON.stringify({ auths: { [registry.address]: { auth: Buffer.from('dbib:wrong').toString('base64') } } }));
    const out = await mkdtemp(`${tmpdir()}/dbib-transport-out-`);
    const run = await runBuilder(['--tls-verify=false', `docker://${registry.address}/debian-bootc-example:latest`], {
      output: out,
      podmanArgs: ['--network', 'host', '-v', `${dir}/bad-auth.json:/run/containers/0/auth.json:ro`],
    });
    expect(run.exitCode).toBe(16);
    expect(run.stderr.split('\n').at(-1)).toMatch(/the registry refused access .*podman login/);
    expect(await readdir(out)).toEqual([]);
  });
});
