// An image is untrusted: the symlinks it ships may point anywhere, at the host's container
// storage or the output directory in particular (both are mounted into the builder). Each
// test plants canaries on the host, builds an image whose links aim at them, and checks the
// canaries are untouched: the builder resolves every image path inside the image, and
// refuses, before any disk work, a config path that would go through a link.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import type { Plan } from '../../src/plan/types.js';
import { withRootFilesystem } from '../support/disk-files.js';
import { EXAMPLE, STORAGE, buildImageFrom, runBuilder } from '../support/images.js';

const IMAGES = {
  links: 'localhost/dbib-escape-links',
  varLink: 'localhost/dbib-escape-var-link',
  tmpLink: 'localhost/dbib-escape-tmp-link',
};
const CANARY = 'canary: the builder must never change this file';
const suffix = Math.random().toString(36).slice(2, 8);
/** host files in the container storage the images' links aim at */
const inStorage = {
  fstab: `${STORAGE}/dbib-escape-fstab-${suffix}`,
  shim: `${STORAGE}/dbib-escape-shim-${suffix}`,
  victim: `${STORAGE}/dbib-escape-victim-${suffix}`,
};
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/dbib-escapes-`);
  await chmod(dir, 0o755);
  await writeFile(inStorage.fstab, CANARY);
  await writeFile(inStorage.shim, 'SECRET: a host file in the container storage');
  await mkdir(inStorage.victim);
  await writeFile(`${inStorage.victim}/canary`, CANARY);
  const from = (lines: string[]) => [`FROM ${EXAMPLE}`, ...lines].join('\n');
  // /etc/hostname is bind-mounted while a Containerfile's RUN runs: its link comes in a tar
  await execa('sh', ['-c', `mkdir -p ${dir}/t/etc && ln -s /output/hostname-canary ${dir}/t/etc/hostname && tar -C ${dir}/t -cf ${dir}/links.tar etc`]);
  await Promise.all([
    // writes the build makes (fstab, hostname) and boot files it copies out (shim), all
    // through absolute links at host paths; the image has its own file at the shim's target
    buildImageFrom(
      IMAGES.links,
      from([
        'ADD links.tar /',
        `RUN ln -sf ${inStorage.fstab} /etc/fstab && ln -s /var/lib/dbib-app /etc/dbib-app`,
        `RUN mkdir -p ${STORAGE} && echo IMAGE-SHIM > ${inStorage.shim} && ln -sf ${inStorage.shim} /usr/lib/shim/shimx64.efi.signed`,
      ]),
      { 'links.tar': `${dir}/links.tar` },
    ),
    buildImageFrom(IMAGES.varLink, from(['RUN ln -s /output /var/data && ln -s ' + inStorage.victim + ' /var/data2'])),
    buildImageFrom(IMAGES.tmpLink, from(['RUN rm -rf /tmp && ln -s /output /tmp'])),
  ]);
});

afterAll(async () => {
  await execa('podman', ['rmi', '-f', ...Object.values(IMAGES)], { reject: false });
  await rm(inStorage.fstab, { force: true });
  await rm(inStorage.shim, { force: true });
  await rm(inStorage.victim, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

async function outputWithCanary(): Promise<string> {
  const output = await mkdtemp(`${dir}/out-`);
  await mkdir(`${output}/victim`);
  await writeFile(`${output}/victim/canary`, CANARY);
  await writeFile(`${output}/hostname-canary`, CANARY);
  return output;
}

async function withConfig(toml: string): Promise<string[]> {
  const file = `${dir}/config-${Math.random().toString(36).slice(2)}.toml`;
  await writeFile(file, toml);
  return ['-v', `${file}:/config.toml:ro`];
}

const filesystem = (mountpoint: string) => `[[customizations.filesystem]]\nmountpoint = "${mountpoint}"\nminsize = "1 GiB"\n`;

/** What a refused build leaves in its output directory: only the canaries. */
async function leftovers(output: string): Promise<string[]> {
  return (await readdir(output)).filter((n) => n !== 'victim' && n !== 'hostname-canary').sort();
}

function expectCanaries(output: string): void {
  expect(readFileSync(`${output}/victim/canary`, 'utf8')).toBe(CANARY);
  expect(readFileSync(`${output}/hostname-canary`, 'utf8')).toBe(CANARY);
  expect(readFileSync(inStorage.fstab, 'utf8')).toBe(CANARY);
  expect(readFileSync(`${inStorage.victim}/canary`, 'utf8')).toBe(CANARY);
}

describe('an image cannot reach outside the disk', () => {
  it('writes through the image links (fstab, hostname) and boot files copied out (shim) stay inside the image', async () => {
    const output = await outputWithCanary();
    const run = await runBuilder(['--type', 'raw', IMAGES.links], {
      output,
      podmanArgs: await withConfig('[customizations]\nhostname = "escape-test"\n[[customizations.files]]\npath = "/etc/dbib-app/app.conf"\ndata = "inside"\n'),
    });
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([]);
    expect(run.exitCode).toBe(0);
    expectCanaries(output);
    // the ESP holds the image's own file at the link's target, not the host's
    const disk = `${output}/image/disk.raw`;
    const table = JSON.parse((await execa('sfdisk', ['--json', disk])).stdout) as { partitiontable: { sectorsize?: number; partitions: { start: number; type: string }[] } };
    const esp = table.partitiontable.partitions.find((p) => p.type === 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    expect(esp).toBeDefined();
    const offset = (esp?.start ?? 0) * (table.partitiontable.sectorsize ?? 512);
    const shim = await execa('mtype', ['-i', `${disk}@@${offset}`, '::/EFI/BOOT/BOOTX64.EFI'], { env: { MTOOLS_SKIP_CHECK: '1' } });
    expect(shim.stdout.trim()).toBe('IMAGE-SHIM');
    // a file through a link into the (empty at build time) /var lands where the link leads
    const plan = JSON.parse(readFileSync(`${output}/manifest-raw.json`, 'utf8')) as Plan;
    const written = await withRootFilesystem(disk, plan, async (root) => {
      const deployment = (await readdir(`${root}/ostree/deploy/default/deploy`)).find((n) => /^[0-9a-f]{64}\.\d+$/.test(n));
      return {
        file: readFileSync(`${root}/ostree/deploy/default/var/lib/dbib-app/app.conf`, 'utf8'),
        hostname: readFileSync(`${root}/ostree/deploy/default/deploy/${deployment}/etc/hostname`, 'utf8'),
      };
    });
    expect(written).toEqual({ file: 'inside', hostname: 'escape-test\n' });
  });

  it.each([
    ['/var/data/victim', '/var/data -> /output'],
    ['/var/data', '/var/data -> /output'],
    ['/var/data2', `/var/data2 -> ${STORAGE}/dbib-escape-victim-`],
  ])('refuses a filesystem at %s (through %s) before any disk work', async (mountpoint, link) => {
    const output = await outputWithCanary();
    const run = await runBuilder([IMAGES.varLink], { output, podmanArgs: await withConfig(filesystem(mountpoint)) });
    const lines = run.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(lines.at(-1)).toContain(`customizations.filesystem[0].mountpoint: ${mountpoint} goes through the image's symlink ${link}`);
    expect(run.exitCode).toBe(EXIT_CODES.config);
    expectCanaries(output);
    expect(await leftovers(output)).toEqual([]);
    expect(existsSync(`${output}/.deb-bootc-image-builder.work`)).toBe(false);
  });

  it('refuses an image whose /tmp (mounted on while building) is a link', async () => {
    const output = await outputWithCanary();
    const run = await runBuilder([IMAGES.tmpLink], { output });
    expect(run.stderr.split('\n').at(-1)).toMatch(/^error: .*\/tmp is not a directory in the image \(a symlink there would make the build read or mount outside the image\)/);
    expect(run.exitCode).toBe(EXIT_CODES['ostree-layout']);
    expectCanaries(output);
    expect(await leftovers(output)).toEqual([]);
  });
});
