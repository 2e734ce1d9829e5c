// The quick start, as a test: the example image becomes a qcow2 through the builder
// container run exactly as users run it. (Its qcow2 disks boot under SeaBIOS and OVMF in
// test/e2e/update.test.ts, which checks the deployment running; test-full boots this very
// disk too, test/e2e-full/repeats.test.ts.)
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/image/oci-form.js';
import type { Plan } from '../../src/plan/types.js';
import { EXAMPLE, STORAGE, runBuilder } from '../support/images.js';
import { withRootFilesystem } from '../support/disk-files.js';
import { mountsMentioning, newWorkLoopDevices, workLoopSnapshot } from '../support/system.js';

let out: string;
let build: Awaited<ReturnType<typeof runBuilder>>;
let storageBefore: string;
let seconds: number;
let rawDisk: { raw: string; plan: Plan } | undefined;
let loopsBefore: string[];

/** What the host's podman would notice if the builder wrote into its storage. */
async function storageFingerprint(): Promise<string> {
  const backend = await readFile(`${STORAGE}/defaultNetworkBackend`, 'utf8').catch(() => '(none)');
  return JSON.stringify({ top: (await readdir(STORAGE)).sort(), libpod: (await readdir(`${STORAGE}/libpod`)).sort(), backend });
}

beforeAll(async () => {
  out = await mkdtemp(`${tmpdir()}/dbib-e2e-`);
  storageBefore = await storageFingerprint();
  loopsBefore = await workLoopSnapshot();
  const started = performance.now();
  build = await runBuilder(['--type', 'qcow2', EXAMPLE], { output: out });
  seconds = (performance.now() - started) / 1000;
  console.log(`builder run: ${seconds.toFixed(1)} s, exit ${build.exitCode}\n${build.stderr}`);
});

describe('example image -> qcow2 with the builder container', () => {
  it('prints the artifact path and writes qcow2/disk.qcow2 (compat 1.1) and the manifest', async () => {
    expect(build.exitCode).toBe(0);
    expect(build.stdout).toBe('/output/qcow2/disk.qcow2');
    expect((await readdir(out)).sort()).toEqual(['SHA256SUMS', 'build-record.json', 'manifest-qcow2.json', 'qcow2']);
    const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', `${out}/qcow2/disk.qcow2`])).stdout);
    expect(info.format).toBe('qcow2');
    expect(info['format-specific'].data.compat).toBe('1.1');
    expect(info['virtual-size']).toBe(10 * 1024 ** 3);
    const plan = JSON.parse(await readFile(`${out}/manifest-qcow2.json`, 'utf8')) as Plan;
    expect(plan.image.ref).toBe(EXAMPLE);
  });

  it('leaves no loop device, mount or work directory behind', async () => {
    expect(await newWorkLoopDevices(loopsBefore)).toEqual([]);
    expect(await mountsMentioning('deb-bootc-image-builder')).toEqual([]);
    expect(existsSync(`${out}/.deb-bootc-image-builder.work`)).toBe(false);
  });

  it("leaves the host's container storage as it was", async () => {
    expect(await storageFingerprint()).toBe(storageBefore);
  });
});

describe('example image -> raw', () => {
  it('writes image/disk.raw, sparse, with the planned partition table', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dbib-e2e-raw-`);
    const run = await runBuilder(['--type', 'raw', EXAMPLE], { output: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('/output/image/disk.raw');
    expect((await readdir(dir)).sort()).toEqual(['SHA256SUMS', 'build-record.json', 'image', 'manifest-raw.json']);
    const raw = `${dir}/image/disk.raw`;
    const { stdout } = await execa('stat', ['-c', '%s %b %B', raw]);
    const [size, blocks, blockSize] = stdout.split(' ').map(Number) as [number, number, number];
    expect(size).toBe(10 * 1024 ** 3);
    expect(blocks * blockSize).toBeLessThan(size / 4);
    const plan = JSON.parse(await readFile(`${dir}/manifest-raw.json`, 'utf8')) as Plan;
    const table = JSON.parse((await execa('sfdisk', ['--json', raw])).stdout).partitiontable;
    expect(table.partitions.map((p: { uuid: string }) => p.uuid)).toEqual(plan.disk.partitions.map((p) => p.uuid.toUpperCase()));
    rawDisk = { raw, plan };
  });

  it("stores the image as bootc's ostree-ext does: a commit per layer, the image commit with manifest and config", async () => {
    const { raw, plan } = rawDisk as { raw: string; plan: Plan };
    await withRootFilesystem(raw, plan, async (mnt) => {
      const ostree = async (...args: string[]) =>
        (await execa('podman', ['run', '--rm', '--network', 'none', '-v', `${mnt}:/sysroot:ro`, EXAMPLE, 'ostree', '--repo=/sysroot/ostree/repo', ...args])).stdout;
      const refs = (await ostree('refs')).split('\n').sort();
      const image = 'ostree/container/image/docker_3A__2F__2F_localhost/debian-bootc-example';
      const digest = await ostree('show', '--print-metadata-key=ostree.manifest-digest', image);
      // GVariant text: a string in single quotes (backslash escapes), or in double quotes when it holds a '
      const text = (value: string): string => (value.startsWith("'") ? value.slice(1, -1).replace(/\\(.)/g, '$1') : JSON.parse(value));
      const manifestText = text(await ostree('show', '--print-metadata-key=ostree.manifest', image));
      const manifest = JSON.parse(manifestText);
      // in ostree-ext's form: OCI, canonical JSON (keys sorted, no whitespace)
      expect(manifestText).toBe(canonicalJson(manifest));
      expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      const config = JSON.parse(text(await ostree('show', '--print-metadata-key=ostree.container.image-config', image)));
      console.log(`ostree refs:\n${refs.join('\n')}\nostree.manifest-digest: ${digest}\nlayers: ${manifest.layers.length}, config labels: ${JSON.stringify(config.config.Labels)}`);
      expect(refs).toContain(image);
      const blobs = manifest.layers.map((l: { digest: string }) => `ostree/container/blob/${l.digest.replace(':', '_3A_')}`);
      expect(refs).toEqual(expect.arrayContaining(blobs));
      expect(digest).toBe(`'${plan.image.digest}'`);
      expect(config.config.Labels['containers.bootc']).toBe('1');
      // the deployment is the image commit itself, as bootc expects
      const deployed = (await ostree('rev-parse', image)).trim();
      expect(plan.deployment.ostreeRef).toBe(image);
      expect((await readdir(`${mnt}/ostree/deploy/default/deploy`)).some((d) => d.startsWith(`${deployed}.`))).toBe(true);
    });
  });
});
