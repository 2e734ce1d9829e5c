import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseImageRef } from '../../src/image/transport.js';
import { planBuild } from '../../src/plan/build-plan.js';
import type { Step } from '../../src/plan/types.js';
import { exampleFacts } from '../support/facts.js';
import { NO_CUSTOMIZATIONS } from '../../src/config/customizations.js';

const request = { types: ['qcow2' as const], outputDir: '/output' };
const plan = (facts = exampleFacts(), extra = {}) => planBuild(facts, { ...request, ...extra }, '0.0.0-test');
const steps = (p: ReturnType<typeof plan>): Step[] => p.stages.flatMap((s) => s.lanes.flat());
const execs = (p: ReturnType<typeof plan>) => steps(p).flatMap((s) => (s.kind === 'exec' ? [s] : []));

describe('planBuild for the example image', () => {
  it('matches the golden manifest', async () => {
    await expect(`${JSON.stringify(plan(), null, 2)}\n`).toMatchFileSnapshot('../golden/manifest-debian-trixie-qcow2.json');
  });

  it('deploys with the image own ostree into stateroot default, origin from the image reference', () => {
    const p = plan();
    const deploy = execs(p).find((s) => s.argv.slice(0, 3).join(' ') === 'ostree admin deploy');
    expect(deploy?.in).toBe('image');
    expect(deploy?.argv).toContain('--os=default');
    expect(p.deployment.origin).toBe('[origin]\ncontainer-image-reference=ostree-unverified-registry:localhost/debian-bootc-example\n');
    expect(deploy?.argv.filter((a) => a.startsWith('--karg-append='))).toEqual([
      `--karg-append=root=UUID=${p.disk.partitions[3]?.filesystem?.uuid}`,
      '--karg-append=rw',
      `--karg-append=boot=UUID=${p.disk.partitions[2]?.filesystem?.uuid}`,
      '--karg-append=console=tty0',
      '--karg-append=console=ttyS0',
    ]);
  });

  it('resolves short names to the stored name for the origin', () => {
    const facts = exampleFacts((f) =>
      Object.assign(f, {
        ref: 'debian-bootc-example',
        source: parseImageRef('debian-bootc-example'),
        name: 'localhost/debian-bootc-example:latest',
      }),
    );
    expect(plan(facts).deployment.origin).toContain('ostree-unverified-registry:localhost/debian-bootc-example:latest\n');
  });

  it('uses --target-imgref for the origin and the ostree ref', () => {
    const p = plan(exampleFacts(), { targetImgref: 'quay.io/example/os:stable' });
    expect(p.deployment.origin).toContain('ostree-unverified-registry:quay.io/example/os:stable');
    expect(p.deployment.ostreeRef).toBe('ostree/container/image/docker_3A__2F__2F_quay_2E_io/example/os_3A_stable');
  });

  it('stores the image as ostree-ext does: a commit per layer, then the merge commit with manifest and config', () => {
    const p = plan();
    const layers = steps(p).filter((s): s is Extract<Step, { kind: 'commit-layer' }> => s.kind === 'commit-layer');
    expect(layers.map((l) => l.argv[3])).toEqual([
      '--branch=ostree/container/blob/sha256_3A_491a8bc40e698099f53207ff1bc341dd73265482ca1304b33d3e9d01de2a3096',
      '--branch=ostree/container/blob/sha256_3A_7ddddf5f0337fd34c77cf645d9df61fbc4eb14d99e81b8895c990a3c4daff9f0',
    ]);
    expect(layers.every((l) => l.retainVar && l.argv.includes(`--tree=tar=${l.tar}`))).toBe(true);
    const checkouts = execs(p).filter((s) => s.argv[2] === 'checkout').map((s) => s.argv.slice(3, -1).join(' '));
    expect(checkouts).toEqual([
      '--whiteouts ostree/container/blob/sha256_3A_491a8bc40e698099f53207ff1bc341dd73265482ca1304b33d3e9d01de2a3096',
      '--whiteouts --union ostree/container/blob/sha256_3A_7ddddf5f0337fd34c77cf645d9df61fbc4eb14d99e81b8895c990a3c4daff9f0',
    ]);
    const merge = execs(p).find((s) => s.argv.includes('--branch=ostree/container/image/docker_3A__2F__2F_localhost/debian-bootc-example'));
    expect(merge?.argv).toContain('--link-checkout-speedup');
    // the digest of the manifest as stored; manifest and config in ostree-ext's canonical OCI form
    const facts = exampleFacts();
    expect(merge?.argv).toContain(`--add-metadata-string=ostree.manifest-digest=${facts.ostreeExt?.manifestDigest}`);
    expect(merge?.argv.some((a) => a.startsWith('--add-metadata-string=ostree.manifest={"config":{"digest":"sha256:'))).toBe(true);
    expect(merge?.argv.some((a) => a.startsWith('--add-metadata-string=ostree.container.image-config={"architecture":"amd64","config":{'))).toBe(true);
    expect(merge?.argv).toContain('--timestamp=@1744365600');
  });

  it('without tar-splits or a manifest, commits the image tree: /etc as /usr/etc, runtime directories empty', () => {
    const p = plan(exampleFacts((f) => delete f.ostreeExt));
    expect(p.warnings.join('\n')).toContain('bootc will not recognise it as a container image');
    expect(plan().warnings.join('\n')).not.toContain('bootc will not recognise');
    // never under ostree/container/image/ without a manifest: bootc's status, upgrade and gc read every ref there
    expect(p.deployment.ostreeRef).toBe('deb-bootc-image-builder/image/docker_3A__2F__2F_localhost/debian-bootc-example');
    expect(execs(p).find((s) => s.argv.includes('--bootable'))?.argv).toContain(`--branch=${p.deployment.ostreeRef}`);
    expect(execs(p).some((s) => s.argv.some((a) => a.includes('ostree.manifest')))).toBe(false);
    const skip = steps(p).find((s) => s.kind === 'write-file' && s.path.endsWith('commit-skip-list'));
    expect(skip?.kind === 'write-file' && skip.content).toBe('/etc\n/dev\n/run\n');
    expect(steps(p)).toContainEqual({
      kind: 'mount',
      source: '/run/deb-bootc-image-builder/source/etc',
      target: '/run/deb-bootc-image-builder/files/stage/usr/etc',
      options: ['bind', 'ro'],
    });
  });

  it('lets ostree seed /var from 2024.3 on, and seeds it itself before', () => {
    expect(plan().deployment.varSeed).toBe('ostree');
    const old = plan(exampleFacts((f) => (f.ostreeVersion = '2022.7-2+deb12u1')));
    expect(old.deployment.varSeed).toBe('builder');
    expect(execs(old).some((s) => s.argv[0] === 'cp' && s.argv.at(-1)?.endsWith('/ostree/deploy/default/var/'))).toBe(true);
    // an image with an empty /var has no dpkg database; one whose ostree says no version is new
    const unknown = plan(exampleFacts((f) => delete f.ostreeVersion));
    expect(unknown.deployment.varSeed).toBe('ostree');
    expect(steps(unknown).find((s) => s.kind === 'commit-layer')).toMatchObject({ retainVar: true });
  });

  it('installs BIOS GRUB and shim + signed GRUB on the ESP', () => {
    const p = plan();
    expect(p.bootloader).toEqual({ bios: true, uefi: 'shim' });
    const copies = execs(p).filter((s) => s.argv[0] === 'mcopy').map((s) => `${s.argv[4]?.split('/').at(-1)} -> ${s.argv[5]}`);
    expect(copies).toContain('shimx64.efi.signed -> ::/EFI/BOOT/BOOTX64.EFI');
    expect(copies).toContain('grubx64.efi.signed -> ::/EFI/debian/grubx64.efi');
    expect(copies).toContain('esp-grub.cfg -> ::/EFI/debian/grub.cfg');
  });

  it('builds an unsigned GRUB when the image has no shim, and skips BIOS without grub-pc', () => {
    const p = plan(exampleFacts((f) => Object.assign(f.tools, { shim: false, grubEfiSigned: false, grubBiosModules: false })));
    expect(p.bootloader).toEqual({ bios: false, uefi: 'grub' });
    expect(p.disk.partitions.map((x) => x.role)).toEqual(['esp', 'boot', 'root']);
    expect(execs(p).some((s) => s.argv[0] === 'grub-mkimage' && s.in === 'image')).toBe(true);
    expect(execs(p).some((s) => s.argv[0] === 'grub-install')).toBe(false);
  });

  it("writes the menu with the generator the system keeps, and has ostree run it on updates (grub2 backend, OSTREE_GRUB2_EXEC)", () => {
    const p = plan();
    expect(p.deployment.bootloaderBackend).toBe('grub2');
    const files = steps(p).flatMap((s) => (s.kind === 'deployment-file' ? [s] : []));
    expect(files.map((f) => [f.path, f.mode, f.append ?? false])).toEqual([
      ['etc/fstab', 0o644, false],
      ['etc/deb-bootc-image-builder/grub-menu', 0o755, false],
      ['etc/systemd/system.conf.d/50-deb-bootc-image-builder-grub-menu.conf', 0o644, false],
      ['etc/environment', 0o644, true],
    ]);
    expect(files[2]?.content).toContain('DefaultEnvironment=OSTREE_GRUB2_EXEC=/etc/deb-bootc-image-builder/grub-menu');
    expect(files[3]?.content).toBe('OSTREE_GRUB2_EXEC=/etc/deb-bootc-image-builder/grub-menu\n');
    // the first menu comes from the same generator, run in the image with its own shell
    expect(execs(p).find((s) => s.argv[0] === 'sh' && s.argv.includes('-o'))).toMatchObject({
      in: 'image', argv: ['sh', '/run/deb-bootc-image-builder/files/grub-menu', '-o', '/run/deb-bootc-image-builder/target/boot/loader/grub.cfg'],
    });
  });

  it('converts to qcow2 in the work directory and publishes into BIB layout, raw last', () => {
    const p = plan(exampleFacts(), { types: ['qcow2', 'raw'] });
    expect(p.outputs).toEqual([
      { type: 'qcow2', path: 'qcow2/disk.qcow2' },
      { type: 'raw', path: 'image/disk.raw' },
    ]);
    const published = steps(p).flatMap((s) => (s.kind === 'publish' ? [`${s.from} -> ${s.to}`] : []));
    expect(published).toEqual([
      '/output/.deb-bootc-image-builder.work/qcow2-disk.qcow2 -> /output/qcow2/disk.qcow2',
      '/output/.deb-bootc-image-builder.work/disk.raw -> /output/image/disk.raw',
    ]);
    expect(p.stages.at(-1)?.lanes).toEqual([
      [
        { kind: 'publish', types: ['raw'], from: '/output/.deb-bootc-image-builder.work/disk.raw', to: '/output/image/disk.raw' },
        { kind: 'write-manifest', path: '/output/manifest-qcow2-raw.json' },
        { kind: 'write-checksums', path: '/output/SHA256SUMS' },
        { kind: 'write-build-record', path: '/output/build-record.json' },
      ],
    ]);
  });
});

describe('planBuild refuses images it cannot boot', () => {
  const refusal = (change: Parameters<typeof exampleFacts>[0], extra = {}) => {
    try {
      plan(exampleFacts(change), extra);
    } catch (error) {
      if (error instanceof UserError) return { id: error.id, exitCode: error.exitCode, message: error.message };
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it.each([
    ['no bootc label', (f) => (f.labels = {}), 'not-bootc', /not a bootc image \(no containers.bootc=1 label\)/],
    ['no kernel', (f) => (f.kernels = []), 'no-kernel', /no kernel found/],
    ['two kernels', (f) => f.kernels.push({ version: '6.1.0', vmlinuz: true, initramfs: true }), 'several-kernels', /more than one kernel/],
    ['no initramfs', (f) => (f.kernels[0]!.initramfs = false), 'no-initramfs', /no initramfs for kernel/],
    ['no ostree', (f) => (f.tools.ostree = false), 'image-unsupported', /has no ostree/],
    ['no GRUB at all', (f) => Object.assign(f.tools, { grubInstall: false, grubMkimage: false, grubEfiSigned: false }), 'image-unsupported', /GRUB cannot be installed from this image/],
    ['GRUB tools but no modules or signed GRUB', (f) => Object.assign(f.tools, { grubBiosModules: false, grubEfiModules: false, grubEfiSigned: false }), 'image-unsupported', /GRUB cannot be installed from this image/],
    ['no /sysroot', (f) => (f.layout.sysrootDir = false), 'ostree-layout', /no \/sysroot directory/],
    ['no /ostree symlink', (f) => (f.layout.ostreeLink = undefined), 'ostree-layout', /\/ostree must be a symlink to sysroot\/ostree/],
    ['a /usr/etc', (f) => (f.layout.usrEtc = true), 'ostree-layout', /has \/usr\/etc/],
    ['no /var at all', (f) => (f.layout.varDir = false), 'ostree-layout', /no \/var directory \(ostree mounts the persistent \/var there; it may be empty\): add RUN mkdir -p \/var/],
    ['composefs on, initramfs without it', (f) => (f.prepareRoot.composefs = 'yes'), 'image-unsupported', /prepare-root.conf enables composefs, but the initramfs of kernel 6.12.107\+deb13-amd64 has an ostree-prepare-root without composefs support \(no libcomposefs\), so the disk would not boot/],
    ['an ostree-native (rechunked) image', (f) => (f.labels['ostree.final-diffid'] = 'sha256:ab'), 'image-unsupported', /an ostree-native \(rechunked\) image: its layers carry ostree's own objects \(label ostree.final-diffid\), which only bootc imports; install bootc, podman and skopeo in the image/],
    ['an unsupported root filesystem in its install config', (f) => Object.assign(f, { rootfsType: 'zfs', rootfsTypeFrom: '/usr/lib/bootc/install/00-x.toml' }), 'image-unsupported', /\/usr\/lib\/bootc\/install\/00-x.toml asks for a zfs root filesystem, which is not supported; pass --rootfs ext4, xfs or btrfs to override/],
    ['an initramfs without btrfs for a btrfs root', (f) => Object.assign(f, { rootfsType: 'btrfs' }, f.kernels[0]!.initramfsContents!.kernelModules.btrfs = 'missing'), 'image-unsupported', /cannot mount a btrfs root \(no btrfs module\): rebuild it with dracut --no-hostonly \(or --add-drivers btrfs\), or build with --rootfs ext4/],
    ['arm64 image', (f) => (f.arch = 'arm64'), 'arch-mismatch', /is built for arm64 and this builder runs on amd64/],
    ['an initramfs without ostree', (f) => (f.kernels[0]!.initramfsContents!.ostreePrepareRoot = false), 'initramfs-without-ostree', /has no ostree support \(no ostree-prepare-root\)/],
    ['an initramfs without ext4', (f) => (f.kernels[0]!.initramfsContents!.kernelModules.ext4 = 'missing'), 'image-unsupported', /cannot mount an ext4 root/],
  ] as [string, Parameters<typeof exampleFacts>[0], string, RegExp][])('%s', (_name, change, id, message) => {
    const r = refusal(change);
    expect(r.id).toBe(id);
    expect(r.message).toMatch(message);
    expect(r.message).not.toContain('\n');
  });

  it('builds composefs images whose initramfs has it, and leaves ostree-native images to their bootc', () => {
    expect(() => plan(exampleFacts((f) => Object.assign(f.prepareRoot, { composefs: 'yes' }, (f.kernels[0]!.initramfsContents!.composefs = true))))).not.toThrow();
    expect(() => plan(exampleFacts((f) => Object.assign(f.prepareRoot, { composefs: 'maybe' })))).not.toThrow();
    const native = exampleFacts((f) => Object.assign(f.tools, { bootc: true, skopeo: true, podman: true }, (f.labels['ostree.final-diffid'] = 'sha256:ab')));
    expect(plan(native).installer.kind).toBe('bootc');
  });

  it('accepts the older ostree.bootable label', () => {
    expect(() => plan(exampleFacts((f) => (f.labels = { 'ostree.bootable': '1' })))).not.toThrow();
  });

  it('refuses root filesystems it does not support', () => {
    expect(refusal(() => {}, { rootfs: 'zfs' })).toMatchObject({ id: 'usage', message: '--rootfs zfs is not supported; choose ext4, xfs or btrfs' });
  });

  it('lets --rootfs override an unsupported type from the image', () => {
    expect(() => plan(exampleFacts((f) => (f.rootfsType = 'zfs')), { rootfs: 'ext4' })).not.toThrow();
  });

  it('needs --target-imgref for an image without a name', () => {
    const facts = exampleFacts((f) => Object.assign(f, { ref: 'ef663593477c', source: parseImageRef('ef663593477c'), name: undefined }));
    expect(() => plan(facts)).toThrow('ef663593477c has no name to update from: give --target-imgref REGISTRY/NAME:TAG');
    expect(plan(facts, { targetImgref: 'quay.io/x/y:1' }).deployment.origin).toContain('ostree-unverified-registry:quay.io/x/y:1');
  });
});

describe('root filesystems other than ext4', () => {
  const root = (p: ReturnType<typeof plan>) => p.disk.partitions.find((x) => x.role === 'root');
  const boot = (p: ReturnType<typeof plan>) => p.disk.partitions.find((x) => x.role === 'boot');

  it('xfs (--rootfs or the image install config): mkfs.xfs for root, /boot stays ext4 for GRUB', () => {
    for (const p of [plan(exampleFacts(), { rootfs: 'xfs' }), plan(exampleFacts((f) => (f.rootfsType = 'xfs')))]) {
      expect(root(p)?.filesystem?.type).toBe('xfs');
      expect(boot(p)?.filesystem?.type).toBe('ext4');
      expect(execs(p).some((s) => s.argv[0] === 'mkfs.xfs' && s.argv.at(-1)?.endsWith('/dev/root'))).toBe(true);
      expect(p.deployment.kargs.some((k) => k.startsWith('rootflags='))).toBe(false);
    }
  });

  it('btrfs: subvolume root mounted as /, rootflags=subvol=root right after root=', () => {
    const p = plan(exampleFacts(), { rootfs: 'btrfs' });
    expect(root(p)?.filesystem).toMatchObject({ type: 'btrfs', subvolumes: [{ name: 'root', mountpoint: '/' }] });
    expect(p.deployment.kargs.slice(0, 2)).toEqual([`root=UUID=${root(p)?.filesystem?.uuid}`, 'rootflags=subvol=root']);
    const sysroot = p.stages.find((s) => s.title === 'Prepare the ostree sysroot')?.lanes[0]?.slice(0, 4);
    expect(sysroot).toEqual([
      { kind: 'mount', source: '/run/deb-bootc-image-builder/dev/root', target: '/run/deb-bootc-image-builder/files/btrfs-top' },
      { kind: 'exec', in: 'builder', argv: ['btrfs', '-q', 'subvolume', 'create', '/run/deb-bootc-image-builder/files/btrfs-top/root'] },
      { kind: 'unmount', target: '/run/deb-bootc-image-builder/files/btrfs-top' },
      { kind: 'mount', source: '/run/deb-bootc-image-builder/dev/root', target: '/run/deb-bootc-image-builder/target', options: ['subvol=root'] },
    ]);
  });

  it('btrfs from the disk layout: /var subvolumes in fstab, mounted into the stateroot /var', () => {
    const customizations = {
      ...NO_CUSTOMIZATIONS,
      sizes: { root: 6 * 1024 ** 3 },
      root: { fsType: 'btrfs' as const, subvolumes: [{ name: 'root', mountpoint: '/', at: [] }, { name: 'varlog', mountpoint: '/var/log', at: [] }], at: [] },
    };
    const p = plan(exampleFacts(), { customizations });
    const fstab = steps(p).find((s) => s.kind === 'deployment-file' && s.path === 'etc/fstab') as Extract<Step, { kind: 'deployment-file' }>;
    expect(fstab.content).toContain(`UUID=${root(p)?.filesystem?.uuid} /var/log btrfs subvol=varlog 0 0\n`);
    expect(fstab.content).not.toMatch(/ \/ btrfs/);
    const mounts = p.stages.find((s) => s.title === 'Mount the /var filesystems')?.lanes[0]?.filter((s) => s.kind === 'mount');
    expect(mounts?.at(-1)).toEqual({
      kind: 'mount',
      source: '/run/deb-bootc-image-builder/dev/root',
      target: '/run/deb-bootc-image-builder/target/ostree/deploy/default/var/log',
      options: ['subvol=varlog'],
    });
    expect(() => plan(exampleFacts(), { customizations, rootfs: 'ext4' })).toThrow('the disk layout makes / btrfs, but --rootfs asks for ext4: drop one of them');
  });
});
