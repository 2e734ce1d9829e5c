// The export plan: BIB's output paths, qemu-img/tar arguments per format, one lane per
// conversion, the OVA beside the vmdk it shares, the raw disk published last, and the size
// rules (--size exact, auto, GCE's whole GiB, Azure's whole MiB).
import { describe, expect, it } from 'vitest';
import { parseDiskSize, parseOwner, parseVmdkSubformat } from '../../src/cli/parse-options.js';
import { ConfigError } from '../../src/config/source.js';
import { UserError } from '../../src/errors.js';
import { renderChecksums } from '../../src/execute/artifacts.js';
import { renderManifest, renderOvf } from '../../src/export/ovf.js';
import { planBuild } from '../../src/plan/build-plan.js';
import { convertArgv, OUTPUT_PATHS } from '../../src/plan/exports.js';
import { GiB, MiB } from '../../src/plan/partitions.js';
import { IMAGE_TYPES, type ImageType, type Step } from '../../src/plan/types.js';
import { NO_CUSTOMIZATIONS } from '../../src/config/customizations.js';
import { exampleFacts } from '../support/facts.js';

const W = '/output/.deb-bootc-image-builder.work';
const plan = (types: ImageType[], extra = {}) => planBuild(exampleFacts(), { types, outputDir: '/output', ...extra }, '0.0.0-test');
const exportLanes = (types: ImageType[], extra = {}) => {
  const stages = plan(types, extra).stages;
  return stages[stages.length - 2]?.lanes ?? [];
};
const describeStep = (s: Step) => (s.kind === 'exec' ? s.argv.join(' ') : s.kind === 'publish' ? `publish ${s.types.join('+')} ${s.to}` : s.kind);

describe('output layout', () => {
  it('puts every type where bootc-image-builder does (vdi: vdi/disk.vdi)', () => {
    expect(plan([...IMAGE_TYPES]).outputs.map((o) => `${o.type} ${o.path}`)).toEqual([
      'qcow2 qcow2/disk.qcow2',
      'raw image/disk.raw',
      'vmdk vmdk/disk.vmdk',
      'vdi vdi/disk.vdi',
      'vhd vpc/disk.vhd',
      'ami image/disk.raw',
      'gce gce/image.tar.gz',
      'ova archive/disk.ova',
    ]);
    expect(Object.keys(OUTPUT_PATHS).sort()).toEqual([...IMAGE_TYPES].sort());
  });
});

describe('conversions', () => {
  const options = { qcow2Compressed: false, vmdkSubformat: 'streamOptimized' as const };
  it('gives qemu-img the format options each platform needs', () => {
    expect(convertArgv('qcow2', options, 'a', 'b')).toEqual(['qemu-img', 'convert', '-p', '-f', 'raw', '-O', 'qcow2', '-o', 'compat=1.1', 'a', 'b']);
    expect(convertArgv('qcow2', { ...options, qcow2Compressed: true }, 'a', 'b')).toContain('-c');
    expect(convertArgv('vmdk', options, 'a', 'b')).toEqual(['qemu-img', 'convert', '-p', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', 'a', 'b']);
    expect(convertArgv('vmdk', { ...options, vmdkSubformat: 'monolithicSparse' }, 'a', 'b')).toContain('subformat=monolithicSparse');
    expect(convertArgv('vdi', options, 'a', 'b')).toEqual(['qemu-img', 'convert', '-p', '-f', 'raw', '-O', 'vdi', 'a', 'b']);
    expect(convertArgv('vhd', options, 'a', 'b')).toEqual(['qemu-img', 'convert', '-p', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', 'a', 'b']);
  });

  it('runs one lane per artifact, all at once, and hashes the raw disk meanwhile', () => {
    expect(exportLanes([...IMAGE_TYPES]).map((lane) => lane.map(describeStep))).toEqual([
      [`qemu-img convert -p -f raw -O qcow2 -o compat=1.1 ${W}/disk.raw ${W}/qcow2-disk.qcow2`, 'publish qcow2 /output/qcow2/disk.qcow2'],
      [`qemu-img convert -p -f raw -O vmdk -o subformat=streamOptimized ${W}/disk.raw ${W}/vmdk-disk.vmdk`, 'write-ova', 'publish vmdk /output/vmdk/disk.vmdk', 'publish ova /output/archive/disk.ova'],
      [`qemu-img convert -p -f raw -O vdi ${W}/disk.raw ${W}/vdi-disk.vdi`, 'publish vdi /output/vdi/disk.vdi'],
      [`qemu-img convert -p -f raw -O vpc -o subformat=fixed,force_size=on ${W}/disk.raw ${W}/vhd-disk.vhd`, 'publish vhd /output/vpc/disk.vhd'],
      [`tar --format=oldgnu --sparse --use-compress-program=pigz -cf ${W}/gce-image.tar.gz -C ${W} disk.raw`, 'publish gce /output/gce/image.tar.gz'],
      ['checksum'],
    ]);
    const last = plan([...IMAGE_TYPES]).stages.at(-1)?.lanes[0]?.map(describeStep);
    expect(last).toEqual(['publish raw+ami /output/image/disk.raw', 'write-manifest', 'write-checksums', 'write-build-record']);
  });

  it('makes its own streamOptimized vmdk for the OVA when the vmdk asked for is monolithicSparse', () => {
    const lanes = exportLanes(['vmdk', 'ova'], { exportOptions: { qcow2Compressed: false, vmdkSubformat: 'monolithicSparse' } });
    expect(lanes.map((lane) => lane.map(describeStep))).toEqual([
      [`qemu-img convert -p -f raw -O vmdk -o subformat=monolithicSparse ${W}/disk.raw ${W}/vmdk-disk.vmdk`, 'publish vmdk /output/vmdk/disk.vmdk'],
      [`qemu-img convert -p -f raw -O vmdk -o subformat=streamOptimized ${W}/disk.raw ${W}/ova-disk.vmdk`, 'write-ova', 'publish ova /output/archive/disk.ova'],
    ]);
  });
});

describe('disk size', () => {
  const size = (types: ImageType[], extra = {}) => plan(types, extra).disk.sizeBytes;
  const failure = (types: ImageType[], extra = {}) => {
    try {
      plan(types, extra);
    } catch (error) {
      return error;
    }
    throw new Error('planned');
  };

  it('is 10 GiB by default, exactly --size when given, and the smallest that fits with --size=auto', () => {
    expect(size(['qcow2'])).toBe(10 * GiB);
    expect(size(['qcow2'], { size: 7 * GiB + 512 })).toBe(7 * GiB + 512);
    const auto = size(['qcow2'], { size: 'auto' });
    expect(auto).toBeLessThan(4 * GiB);
    expect(auto % MiB).toBe(0);
    expect(size(['qcow2'], { size: auto })).toBe(auto);
  });

  it('refuses a --size below the minimum, naming the minimum', () => {
    const auto = size(['qcow2'], { size: 'auto' });
    const error = failure(['qcow2'], { size: auto - MiB }) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.id).toBe('usage');
    expect(error.message).toBe(
      `--size ${auto / MiB - 1} MiB is too small: this image and layout need at least ${auto / MiB} MiB (${auto} bytes); --size=auto picks the smallest disk that fits`,
    );
  });

  it('honours the config disk.minsize exactly and points at it when too small', () => {
    const custom = (bytes: number) => ({ customizations: { ...NO_CUSTOMIZATIONS, sizes: { disk: bytes } } });
    expect(size(['qcow2'], custom(12 * GiB))).toBe(12 * GiB);
    const error = failure(['qcow2'], custom(GiB)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.path).toEqual(['customizations', 'disk', 'minsize']);
    expect(error.problem).toMatch(/^1 GiB is too small: this image and layout need at least \d+ MiB/);
    expect(size(['qcow2'], { ...custom(GiB), size: 11 * GiB })).toBe(11 * GiB);
  });

  it('keeps GCE disks to whole GiB and Azure disks to whole MiB', () => {
    expect(size(['gce'], { size: 'auto' }) % GiB).toBe(0);
    expect((failure(['gce'], { size: 10 * GiB + MiB }) as Error).message).toBe(
      '--size 10241 MiB does not fit: Google Compute Engine (--type gce) takes only disks of whole GiB; use 11 GiB (11811160064 bytes)',
    );
    expect((failure(['vhd'], { size: 10 * GiB + 512 }) as Error).message).toBe(
      '--size 10.00 GiB does not fit: Azure (--type vhd) takes only disks of whole MiB; use 10241 MiB (10738466816 bytes)',
    );
  });

  it('warns that --size=auto leaves root little room when the image cannot grow it', () => {
    expect(plan(['qcow2'], { size: 'auto' }).warnings.join('\n')).toContain('--size=auto leaves the root filesystem little free space');
    expect(plan(['qcow2']).warnings.join('\n')).not.toContain('--size=auto');
  });
});

describe('option values', () => {
  it('parses --size, --chown and --vmdk-subformat or says what is expected', () => {
    expect(parseDiskSize('20 GiB')).toBe(20 * GiB);
    expect(parseDiskSize('20GiB')).toBe(20 * GiB);
    expect(parseDiskSize('auto')).toBe('auto');
    expect(() => parseDiskSize('big')).toThrow('--size big is not a size: use bytes, a unit (kB KiB MB MiB GB GiB TB TiB) as in --size "20 GiB", or --size auto');
    expect(parseOwner('1000')).toEqual({ uid: 1000, gid: -1 });
    expect(parseOwner('1000:100')).toEqual({ uid: 1000, gid: 100 });
    expect(() => parseOwner('alice')).toThrow('--chown alice: expected numeric UID or UID:GID, e.g. --chown 1000:1000 (see id -u, id -g)');
    expect(() => parseOwner('99999999999999999999')).toThrow('--chown 99999999999999999999: UID 99999999999999999999 is out of range (0 to 4294967294), e.g. --chown 1000:1000 (see id -u, id -g)');
    expect(() => parseOwner('1000:4294967295')).toThrow(/GID 4294967295 is out of range/);
    expect(() => parseOwner('1000:4294967295')).toThrow(expect.objectContaining({ id: 'usage' }));
    expect(parseOwner('4294967294:0')).toEqual({ uid: 4294967294, gid: 0 });
    expect(parseVmdkSubformat('monolithicsparse')).toBe('monolithicSparse');
    expect(() => parseVmdkSubformat('flat')).toThrow('--vmdk-subformat flat: choose streamOptimized (vSphere, OVA) or monolithicSparse (VMware Workstation)');
  });
});

describe('artifact texts', () => {
  it('writes SHA256SUMS that sha256sum -c reads, sorted by path', () => {
    const a = { types: ['qcow2' as const], bytes: 1, allocatedBytes: 1, seconds: 1 };
    expect(renderChecksums([{ ...a, path: 'vmdk/disk.vmdk', sha256: 'b'.repeat(64) }, { ...a, path: 'qcow2/disk.qcow2', sha256: 'a'.repeat(64) }])).toBe(
      `${'a'.repeat(64)}  qcow2/disk.qcow2\n${'b'.repeat(64)}  vmdk/disk.vmdk\n`,
    );
  });

  it('describes the OVA disk in OVF 1.0 and lists SHA256 sums as ovftool does', async () => {
    await expect(renderOvf({ name: 'disk', vmdkBytes: 123456, virtualSizeBytes: 10 * GiB })).toMatchFileSnapshot('../golden/disk.ovf');
    expect(renderManifest([{ file: 'disk.ovf', sha256: 'ab' }])).toBe('SHA256(disk.ovf)= ab\n');
  });
});
