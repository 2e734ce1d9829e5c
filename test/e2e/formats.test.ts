// Every disk format from one build: the eight types at once, with --size=auto and --chown,
// as a user runs the builder container. Each artifact is checked with the tools its users
// have (qemu-img, tar, sha256sum), the bootable formats hold the raw disk's bytes (qemu-img
// compare) and raw and vhd boot to multi-user in QEMU,
// and the GCE tarball and the OVA unpack to disks that pass qemu-img's checks.
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import Value from 'typebox/value';
import { VerifyReport, reportText } from '../../src/verify/report.js';
import { checkStages, ofType, parseEvents } from '../support/events.js';
import { EXAMPLE, runBuilder } from '../support/images.js';
import type { EventOf } from '../../src/run/events.js';

const TYPES = 'qcow2,raw,vmdk,vdi,vhd,ami,gce,ova';
const SECRETS = ['formats-secret-password', 'AAAAC3NzaC1lZDI1NTE5AAAAIFormatsKey'];
const CONFIG = `[[customizations.user]]
name = "formats"
password = "${SECRETS[0]}"
key = "ssh-ed25519 ${SECRETS[1]} formats@example"
groups = ["wheel"]
`;

let out: string;
let events: string;
let build: Awaited<ReturnType<typeof runBuilder>>;
let plan: Plan;

const qemuInfo = async (path: string, format?: string) =>
  JSON.parse((await execa('qemu-img', ['info', '--output=json', ...(format ? ['-f', format] : []), path])).stdout) as Record<string, unknown> & {
    format: string;
    'virtual-size': number;
    'format-specific'?: { data?: Record<string, unknown> };
  };

beforeAll(async () => {
  out = await mkdtemp(`${tmpdir()}/dbib-formats-`);
  const config = `${out}.toml`;
  events = `${out}.events`;
  await writeFile(config, CONFIG);
  await mkdir(events);
  const started = performance.now();
  // events to a file of their own; stderr keeps the plain lines, stdout the artifact paths
  build = await runBuilder(['--type', TYPES, '--size', 'auto', '--chown', '1234:2345', '--progress', 'json', '--progress-file', '/events/build.ndjson', EXAMPLE], {
    output: out,
    podmanArgs: ['-v', `${config}:/config.toml:ro`, '-v', `${events}:/events`],
  });
  console.log(`eight-type build: ${((performance.now() - started) / 1000).toFixed(1)} s, exit ${build.exitCode}\n${build.stderr}`);
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.split('\n').slice(-5).join('\n')}`);
  plan = JSON.parse(await readFile(`${out}/manifest-${TYPES.replaceAll(',', '-')}.json`, 'utf8')) as Plan;
});

describe('one build, eight types', () => {
  it('prints each artifact once (raw and ami share image/disk.raw) and lays them out as BIB', async () => {
    expect(build.stdout.split('\n')).toEqual([
      '/output/qcow2/disk.qcow2',
      '/output/image/disk.raw',
      '/output/vmdk/disk.vmdk',
      '/output/vdi/disk.vdi',
      '/output/vpc/disk.vhd',
      '/output/gce/image.tar.gz',
      '/output/archive/disk.ova',
    ]);
    expect((await readdir(out)).sort()).toEqual(
      ['SHA256SUMS', 'archive', 'build-record.json', 'gce', 'image', `manifest-${TYPES.replaceAll(',', '-')}.json`, 'qcow2', 'vdi', 'vmdk', 'vpc'].sort(),
    );
  });

  it('sizes the disk to fit (--size=auto), in whole GiB because gce is among the types, and says root will not grow', () => {
    expect(plan.disk.sizeBytes % 1024 ** 3).toBe(0);
    expect(plan.disk.sizeBytes).toBeLessThan(10 * 1024 ** 3);
    expect(build.stderr).toContain('warn: --size=auto leaves the root filesystem little free space');
  });

  it('gives each disk the expected format and virtual size (qemu-img info)', async () => {
    const size = plan.disk.sizeBytes;
    const table: [string, string | undefined, string, Record<string, unknown>][] = [
      ['qcow2/disk.qcow2', undefined, 'qcow2', { compat: '1.1' }],
      ['image/disk.raw', undefined, 'raw', {}],
      ['vmdk/disk.vmdk', undefined, 'vmdk', { 'create-type': 'streamOptimized' }],
      ['vdi/disk.vdi', undefined, 'vdi', {}],
      // a fixed VHD is a raw disk with a footer: qemu-img needs -f vpc to read the footer
      ['vpc/disk.vhd', 'vpc', 'vpc', {}],
    ];
    const rows = [];
    for (const [path, forced, format, specific] of table) {
      const info = await qemuInfo(`${out}/${path}`, forced);
      rows.push(`${path}: ${info.format} ${info['virtual-size']}`);
      expect(info.format).toBe(format);
      expect(info['virtual-size']).toBe(size);
      expect(info['format-specific']?.data ?? {}).toMatchObject(specific);
    }
    console.log(rows.join('\n'));
    // Azure's rule: a fixed VHD is the whole-MiB disk plus its 512-byte footer
    const vhd = (await execa('stat', ['-c', '%s', `${out}/vpc/disk.vhd`])).stdout;
    expect(Number(vhd)).toBe(size + 512);
    expect(size % (1024 * 1024)).toBe(0);
  });

  it('writes the raw disk sparse', async () => {
    const [bytes, blocks] = (await execa('stat', ['-c', '%s %b', `${out}/image/disk.raw`])).stdout.split(' ').map(Number) as [number, number];
    expect(blocks * 512).toBeLessThan(bytes / 2);
  });

  it('lists every artifact in SHA256SUMS, which sha256sum -c verifies', async () => {
    const check = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
    expect(check.stdout.split('\n').sort()).toEqual(
      ['archive/disk.ova', 'gce/image.tar.gz', 'image/disk.raw', 'qcow2/disk.qcow2', 'vdi/disk.vdi', 'vmdk/disk.vmdk', 'vpc/disk.vhd'].map((p) => `${p}: OK`),
    );
  });

  it('records image, builder, plan, sizes and times, and no secret, in build-record.json', async () => {
    const text = await readFile(`${out}/build-record.json`, 'utf8');
    const record = JSON.parse(text);
    expect(record.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.builderVersion).toBe(plan.builderVersion);
    expect(record.plan.disk).toEqual(plan.disk);
    expect(record.artifacts.map((a: { types: string[] }) => a.types.join('+')).sort()).toEqual(['gce', 'ova', 'qcow2', 'raw+ami', 'vdi', 'vhd', 'vmdk']);
    for (const a of record.artifacts) {
      expect(a.bytes).toBeGreaterThan(0);
      expect(a.seconds).toBeGreaterThanOrEqual(0);
    }
    console.log(record.artifacts.map((a: { path: string; seconds: number; bytes: number }) => `${a.path}: ${a.seconds} s, ${a.bytes} bytes`).join('\n'));
    for (const file of ['build-record.json', `manifest-${TYPES.replaceAll(',', '-')}.json`]) {
      const content = await readFile(`${out}/${file}`, 'utf8');
      for (const secret of SECRETS) expect(content).not.toContain(secret);
    }
    expect(text).toContain('@secret:user.formats.password@');
  });

  it('gives everything it wrote to --chown 1234:2345', async () => {
    const { stdout } = await execa('find', [out, '-mindepth', '1', '-printf', '%u:%g %P\n']);
    const wrongly = stdout.split('\n').filter((line) => !line.startsWith('1234:2345 '));
    expect(wrongly).toEqual([]);
    expect(stdout.split('\n').length).toBe(17);
  });
});

describe('what the build reported (--progress json to a file, plain on stderr)', () => {
  it('validates every event against the published schema: stages in order, progress of each conversion and hash, an artifact per file, a successful end', async () => {
    const stream = parseEvents(await readFile(`${events}/build.ndjson`, 'utf8'));
    // before it: only messages (the warning that root will not grow)
    const start = ofType(stream, 'build-start')[0] as EventOf<'build-start'>;
    expect(stream.slice(0, stream.indexOf(start)).every((e) => e.type === 'message')).toBe(true);
    expect(start).toMatchObject({ type: 'build-start', image: EXAMPLE, types: TYPES.split(','), installer: plan.installer.kind, stages: plan.stages.length, diskBytes: plan.disk.sizeBytes });
    expect(start.id).toBe(plan.image.id);
    checkStages(stream, { finished: true });
    expect(ofType(stream, 'stage-start')).toHaveLength(plan.stages.length);
    const tasks = new Set(ofType(stream, 'progress').map((p) => p.task));
    for (const task of ['layers', 'qcow2', 'vmdk', 'vdi', 'vhd', 'sha256 disk.raw', 'sha256 disk.qcow2']) expect(tasks).toContain(task);
    const sums = Object.fromEntries((await readFile(`${out}/SHA256SUMS`, 'utf8')).trimEnd().split('\n').map((l) => l.split(/\s+\*?/).reverse()));
    const artifacts = ofType(stream, 'artifact');
    expect(artifacts.map((a) => a.path.replace('/output/', '')).sort()).toEqual(Object.keys(sums).sort());
    for (const a of artifacts) expect(a.sha256).toBe(sums[a.path.replace('/output/', '')]);
    expect(stream.at(-1)).toMatchObject({ type: 'build-end', ok: true, exitCode: 0 });
    console.log(`events: ${stream.length}, progress tasks: ${[...tasks].join(', ')}`);
  });

  it('writes no terminal codes on stderr (not a terminal) and ends it with the summary table', () => {
    expect(build.stderr).not.toMatch(/\u001b/);
    const table = build.stderr.split('\n').slice(-8);
    expect(table[0]).toMatch(/^artifact +format +virtual +size +allocated +sha256 +ready$/);
    // in the order they were published
    expect(table.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['archive/disk.ova', 'gce/image.tar.gz', 'image/disk.raw', 'qcow2/disk.qcow2', 'vdi/disk.vdi', 'vmdk/disk.vmdk', 'vpc/disk.vhd']);
    for (const line of table.slice(1)) expect(line).toMatch(/ [0-9a-f]{12} +\+\d+\.\d s$/);
  });
});

describe('archives unpack to disks that pass qemu-img check', () => {
  it('gce: image.tar.gz is an oldgnu tar of disk.raw alone, identical to the raw disk', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dbib-gce-`);
    expect((await execa('tar', ['-tzf', `${out}/gce/image.tar.gz`])).stdout).toBe('disk.raw');
    const header = (await execa('sh', ['-c', `gzip -dc ${out}/gce/image.tar.gz | head -c 265 | tail -c 8 | od -An -c`])).stdout;
    expect(header.replace(/\s+/g, ' ').trim()).toBe('u s t a r \\0'); // "ustar  \0": GNU (oldgnu) magic
    await execa('tar', ['-xSzf', `${out}/gce/image.tar.gz`, '-C', dir]);
    const info = await qemuInfo(`${dir}/disk.raw`);
    expect(info['virtual-size']).toBe(plan.disk.sizeBytes);
    expect(info['virtual-size'] % 1024 ** 3).toBe(0);
    // raw has no qemu-img check; the unpacked disk is byte for byte the built one instead
    const sums = (await execa('sha256sum', [`${dir}/disk.raw`, `${out}/image/disk.raw`])).stdout.split('\n').map((l) => l.split(' ')[0]);
    expect(sums[0]).toBe(sums[1]);
    const check = await execa('qemu-img', ['check', '-f', 'raw', `${dir}/disk.raw`], { reject: false });
    console.log(`gce: qemu-img check (raw): exit ${check.exitCode} ${check.stderr.trim()}`);
    expect((await execa('sfdisk', ['--verify', `${dir}/disk.raw`])).stdout).toContain('No errors detected');
  });

  it('ova: disk.ovf, disk.mf and a streamOptimized disk.vmdk in a ustar tar; the manifest verifies', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dbib-ova-`);
    expect((await execa('tar', ['-tf', `${out}/archive/disk.ova`])).stdout.split('\n')).toEqual(['disk.ovf', 'disk.mf', 'disk.vmdk']);
    const header = (await execa('sh', ['-c', `head -c 265 ${out}/archive/disk.ova | tail -c 8 | od -An -c`])).stdout;
    expect(header.replace(/\s+/g, ' ').trim()).toBe('u s t a r \\0 0 0'); // POSIX ustar magic
    await execa('tar', ['-xf', `${out}/archive/disk.ova`, '-C', dir]);
    const manifest = await readFile(`${dir}/disk.mf`, 'utf8');
    for (const file of ['disk.ovf', 'disk.vmdk']) {
      const sum = (await execa('sha256sum', [`${dir}/${file}`])).stdout.split(' ')[0];
      expect(manifest).toContain(`SHA256(${file})= ${sum}\n`);
    }
    const ovf = await readFile(`${dir}/disk.ovf`, 'utf8');
    expect(ovf).toContain(`ovf:capacity="${plan.disk.sizeBytes}"`);
    expect(ovf).toContain(`ovf:href="disk.vmdk" ovf:size="${(await readFile(`${dir}/disk.vmdk`)).length}"`);
    const check = await execa('qemu-img', ['check', `${dir}/disk.vmdk`]);
    expect(check.stdout).toContain('No errors were found on the image.');
    expect((await qemuInfo(`${dir}/disk.vmdk`))['format-specific']?.data).toMatchObject({ 'create-type': 'streamOptimized' });
  });

  it('qcow2, vdi and vmdk pass qemu-img check', async () => {
    for (const path of ['qcow2/disk.qcow2', 'vdi/disk.vdi', 'vmdk/disk.vmdk']) {
      expect((await execa('qemu-img', ['check', `${out}/${path}`])).stdout).toContain('No errors were found on the image.');
    }
  });
});

describe('the bootable formats hold the same disk, and boot to multi-user', () => {
  it('qcow2, vmdk, vdi and vhd show the guest exactly the bytes of the raw disk', async () => {
    for (const [path, format] of [['qcow2/disk.qcow2', 'qcow2'], ['vmdk/disk.vmdk', 'vmdk'], ['vdi/disk.vdi', 'vdi'], ['vpc/disk.vhd', 'vpc']]) {
      const compare = await execa('qemu-img', ['compare', '-f', 'raw', '-F', format as string, `${out}/image/disk.raw`, `${out}/${path}`], { reject: false });
      expect(compare.stdout, `${path}: ${compare.stderr}`).toBe('Images are identical.');
    }
  });

  // every artifact, in BIOS and UEFI, booted by `verify` in the builder container as a user
  // runs it: the expectations (mounts, the config's user) come from the build's manifest
  it('all seven artifacts boot to multi-user under BIOS and UEFI: verify /output passes 14 boots', async () => {
    const run = await runBuilder(['verify', '--json', '--exec', 'df -B1M --output=size,avail /sysroot | tail -1', '--exec', 'id formats', '/output'], { output: out, storage: false });
    const report = JSON.parse(run.stdout) as VerifyReport;
    console.log(`verify /output: exit ${run.exitCode}\n${reportText(report)}`);
    expect([...Value.Errors(VerifyReport, report)]).toEqual([]);
    expect(report.boots.map((b) => `${b.artifact} ${b.firmware}`)).toEqual(
      ['qcow2/disk.qcow2', 'image/disk.raw', 'vmdk/disk.vmdk', 'vdi/disk.vdi', 'vpc/disk.vhd', 'gce/image.tar.gz', 'archive/disk.ova'].flatMap((p) => [`/output/${p} bios`, `/output/${p} uefi`]),
    );
    for (const boot of report.boots) {
      expect(boot.outcome, `${boot.artifact} ${boot.firmware}: ${boot.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`).toBe('pass');
      expect(boot.manifest).toBe(`/output/manifest-${TYPES.replaceAll(',', '-')}.json`);
      expect(Object.keys(boot.mounts)).toEqual(['/', '/boot', '/boot/efi', '/var']);
      expect(boot.mounts['/var']?.source).toMatch(/\[\/ostree\/deploy\/default\/var\]$/); // the stateroot's var, bind-mounted
      expect(boot.users.formats).toMatch(/^formats:x:\d+:\d+:/);
      expect(boot.execs[1]?.output).toMatch(/^uid=\d+\(formats\) gid=\d+\(formats\) groups=\d+\(formats\),27\(sudo\)$/);
    }
    expect(run.exitCode).toBe(0);
    // booted 14 times, written never: every checksum still holds
    expect((await execa('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, reject: false })).exitCode).toBe(0);
  });
});
