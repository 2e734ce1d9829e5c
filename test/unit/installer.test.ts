// Which installer deploys the image, and the exact commands each one runs.
import { describe, expect, it } from 'vitest';
import { NO_CUSTOMIZATIONS } from '../../src/config/customizations.js';
import { UserError } from '../../src/errors.js';
import type { ImageFacts } from '../../src/image/facts.js';
import { planBuild } from '../../src/plan/build-plan.js';
import { BOOTUPD_INSTALL, chooseInstaller, parseInstaller } from '../../src/plan/installer.js';
import type { Plan, Step } from '../../src/plan/types.js';
import { exampleFacts } from '../support/facts.js';

const withTools = (tools: Partial<ImageFacts['tools']>, change: (f: ImageFacts) => void = () => {}) =>
  exampleFacts((f) => {
    Object.assign(f.tools, tools);
    change(f);
  });
const BOOTC = { bootc: true, skopeo: true, podman: true };
const BOOTUPD = { bootupctl: true, bootupdUpdates: true };
const plan = (facts: ImageFacts, extra = {}) => planBuild(facts, { types: ['qcow2'], outputDir: '/output', ...extra }, '0.0.0-test');
const steps = (p: Plan): Step[] => p.stages.flatMap((s) => s.lanes.flat());
const execs = (p: Plan) => steps(p).flatMap((s) => (s.kind === 'exec' ? [s] : []));
const find = (p: Plan, command: string) => execs(p).find((s) => s.argv.slice(0, command.split(' ').length).join(' ') === command);
const uuid = (p: Plan, role: string) => p.disk.partitions.find((x) => x.role === role)?.filesystem?.uuid;
const ID = 'ef663593477c38874d6627ddaa86d6ac82ad589d2703b97653f1f7e0ab068c6c';
const SOURCE = `containers-storage:[overlay@/run/deb-bootc-image-builder-storage/root+/run/deb-bootc-image-builder-storage/run]${ID}`;

describe('installer choice', () => {
  it.each([
    ['neither bootc nor bootupd', {}, 'native'],
    ['bootc and skopeo', BOOTC, 'bootc'],
    ['bootc and bootupd', { ...BOOTC, ...BOOTUPD }, 'bootc'],
    ['bootc without skopeo', { bootc: true, podman: true }, 'native'],
    ['bootc without podman', { bootc: true, skopeo: true }, 'native'],
    ['bootupd (payload in /usr/lib/bootupd/updates)', BOOTUPD, 'bootupd'],
    ['bootupd (payload in /usr/lib/efi)', { bootupctl: true, efiPayload: true }, 'bootupd'],
    ['bootupctl without a payload', { bootupctl: true }, 'native'],
  ])('auto, image with %s: %s', (_what, tools, kind) => {
    expect(chooseInstaller(withTools(tools), 'auto').kind).toBe(kind);
  });

  it('--installer native wins over what the image has', () => {
    expect(chooseInstaller(withTools({ ...BOOTC, ...BOOTUPD }), 'native')).toEqual({ kind: 'native', reason: 'asked for with --installer native' });
  });

  it.each([
    ['bootc', {}, /--installer bootc: localhost\/debian-bootc-example has no \/usr\/bin\/bootc; use --installer auto/],
    ['bootc', { bootc: true, podman: true }, /--installer bootc: localhost\/debian-bootc-example lacks skopeo \(bootc reads the image with it\); install skopeo in the image, or use --installer native/],
    ['bootc', { bootc: true }, /lacks skopeo \(bootc reads the image with it\) and podman \(bootc creates the image store of the new system with it\); install skopeo and podman in the image/],
    ['bootupd', {}, /--installer bootupd: localhost\/debian-bootc-example has no \/usr\/bin\/bootupctl/],
    ['bootupd', { bootupctl: true }, /has no bootupd payload \(\/usr\/lib\/bootupd\/updates or \/usr\/lib\/efi\)/],
  ] as const)('--installer %s on an image without it is refused: %s', (choice, tools, message) => {
    expect(() => chooseInstaller(withTools(tools), choice)).toThrow(message);
  });

  it('passes over a bootc that lacks podman or skopeo with a warning that says what to add', () => {
    const p = plan(withTools({ bootc: true, skopeo: true }));
    expect(p.installer).toEqual({
      kind: 'native',
      reason: 'the image lacks podman (bootc creates the image store of the new system with it), so its bootc cannot install it',
    });
    expect(p.warnings).toContain(
      "the image lacks podman (bootc creates the image store of the new system with it), so its bootc cannot install it: installing it with this builder's own ostree deployment instead; add podman to the image for bootc to install it",
    );
  });

  it('refuses unknown --installer values, naming the known ones', () => {
    expect(parseInstaller(undefined)).toBe('auto');
    expect(() => parseInstaller('anaconda')).toThrow(new UserError('usage', '--installer anaconda is not known; choose auto, bootc, bootupd, native'));
  });
});

describe('bootc install to-filesystem', () => {
  it('runs in the image against the mounted root, /boot and ESP, with the storage bound in', () => {
    const p = plan(withTools({ ...BOOTC, ...BOOTUPD }));
    expect(p.installer).toMatchObject({ kind: 'bootc', backend: 'ostree', bootloader: 'bootc' });
    const bootc = find(p, 'bootc install');
    expect(bootc).toEqual({
      kind: 'exec',
      in: 'image-rw',
      binds: [{ source: '/var/lib/containers/storage', target: '/run/deb-bootc-image-builder-storage/root' }],
      argv: [
        'bootc', 'install', 'to-filesystem',
        '--source-imgref', SOURCE,
        '--target-imgref', 'localhost/debian-bootc-example',
        '--skip-fetch-check',
        '--generic-image',
        '--stateroot', 'default',
        `--root-mount-spec=UUID=${uuid(p, 'root')}`,
        `--boot-mount-spec=UUID=${uuid(p, 'boot')}`,
        '--karg', 'rw', '--karg', 'console=tty0', '--karg', 'console=ttyS0',
        '--skip-finalize',
        '/run/deb-bootc-image-builder/target',
      ],
    });
    // what bootc expects mounted before it runs, in this order
    const before = steps(p).slice(0, steps(p).indexOf(bootc as Step)).flatMap((s) => (s.kind === 'mount' ? [`${s.source} ${s.target}`] : []));
    expect(before).toEqual([
      '/run/deb-bootc-image-builder/dev/root /run/deb-bootc-image-builder/target',
      '/run/deb-bootc-image-builder/dev/boot /run/deb-bootc-image-builder/target/boot',
      '/run/deb-bootc-image-builder/dev/esp /run/deb-bootc-image-builder/target/boot/efi',
    ]);
    // a root bootc can write to, and the ESP's mount point on /boot (mounted read-only at boot)
    expect(steps(p).slice(0, steps(p).indexOf(bootc as Step)).filter((s) => s.kind === 'mount-overlay' || (s.kind === 'mkdir' && s.path.endsWith('/efi')))).toEqual([
      { kind: 'mkdir', path: '/run/deb-bootc-image-builder/target/boot/efi', mode: 0o755 },
      { kind: 'mount-overlay', lower: '/run/deb-bootc-image-builder/source', scratch: '/run/deb-bootc-image-builder/files/image-rw', at: '/run/deb-bootc-image-builder/image-rw' },
    ]);
    // bootc deploys, bootupd (through bootc) installs the bootloader: none of the native steps
    expect(find(p, 'ostree admin deploy')).toBeUndefined();
    expect(find(p, 'grub-install')).toBeUndefined();
    expect(steps(p).some((s) => s.kind === 'commit-layer' || (s.kind === 'exec' && s.argv.some((a) => a.endsWith('/grub-menu'))))).toBe(false);
    // bootc writes /boot's fstab line; the builder adds the ESP (and any other mount) after it
    const esp = p.disk.partitions.find((x) => x.role === 'esp')?.filesystem?.uuid;
    expect(steps(p).find((s) => s.kind === 'deployment-file')).toMatchObject({
      path: 'etc/fstab',
      append: true,
      content: `# Added by deb-bootc-image-builder\nUUID=${esp} /boot/efi vfat umask=0077,shortname=winnt 0 2\n`,
    });
    // Debian's grub-common.service cannot write grubenv on bootc's read-only /boot: skipped there
    expect(steps(p).filter((s) => s.kind === 'deployment-file').map((s) => s.kind === 'deployment-file' && s.path)).toEqual([
      'etc/fstab', 'etc/systemd/system/grub-common.service.d/50-deb-bootc-image-builder-readonly-boot.conf',
    ]);
  });

  it("honours the image's install config: its stateroot and mount specs are bootc's to read, not overridden by flags", () => {
    const facts = withTools({ ...BOOTC, ...BOOTUPD }, (f) => Object.assign(f.installConfig, { stateroot: 'debian', rootMountSpec: 'LABEL=root', bootMountSpec: '' }));
    const argv = find(plan(facts), 'bootc install')?.argv ?? [];
    expect(argv.join(' ')).toContain('--stateroot debian --karg rw');
    expect(argv.some((a) => a.startsWith('--root-mount-spec') || a.startsWith('--boot-mount-spec'))).toBe(false);
  });

  it('passes the run root, the user kargs, a btrfs root subvolume, and a non-registry target with its transport', () => {
    const facts = withTools({ ...BOOTC, ...BOOTUPD }, (f) => Object.assign(f.storage, { runroot: '/run/containers/storage' }));
    const p = plan(facts, {
      noDefaultKargs: true,
      targetImgref: 'oci-archive:/srv/images/example.tar',
      customizations: {
        ...NO_CUSTOMIZATIONS,
        kargs: ['quiet'],
        root: { fsType: 'btrfs', at: [], subvolumes: [{ name: 'root', mountpoint: '/' }] },
      },
    });
    const bootc = find(p, 'bootc install');
    expect(bootc?.binds).toEqual([
      { source: '/var/lib/containers/storage', target: '/run/deb-bootc-image-builder-storage/root' },
      { source: '/run/containers/storage', target: '/run/deb-bootc-image-builder-storage/run' },
    ]);
    const argv = bootc?.argv.join(' ');
    expect(argv).toContain('--target-transport oci-archive --target-imgref /srv/images/example.tar --skip-fetch-check');
    // bootc adds root=, rootflags= (from the mounted subvolume), rw and the image's kargs itself
    expect(argv).toContain(`--boot-mount-spec=UUID=${uuid(p, 'boot')} --karg quiet --skip-finalize`);
  });

  it('without bootupd in the image: bootc with --bootloader=none, then GRUB from the image', () => {
    const p = plan(withTools(BOOTC));
    expect(p.installer).toMatchObject({ kind: 'bootc', bootloader: 'builder' });
    expect(find(p, 'bootc install')?.argv.slice(-3)).toEqual(['--bootloader=none', '--skip-finalize', '/run/deb-bootc-image-builder/target']);
    expect(find(p, 'grub-install')?.argv).toEqual([
      'grub-install', '--target=i386-pc', '--boot-directory=/run/deb-bootc-image-builder/target/boot', '--modules=part_gpt ext2', '/run/deb-bootc-image-builder/dev/disk',
    ]);
    expect(find(p, 'ostree config')?.argv.slice(-2)).toEqual(['sysroot.bootloader', 'grub2']);
    // the ESP is written with mtools then, never mounted
    expect(steps(p).some((s) => s.kind === 'mount' && s.target.endsWith('/boot/efi'))).toBe(false);
    expect(find(p, 'mcopy')).toBeDefined();
  });

  it('composefs-backend images (composefs in prepare-root.conf, systemd-boot): bootc with systemd-boot', () => {
    const facts = withTools({ ...BOOTC, systemdBoot: true }, (f) => Object.assign(f.prepareRoot, { composefs: 'yes' }));
    const p = plan(facts);
    expect(p.installer).toMatchObject({ kind: 'bootc', backend: 'composefs', bootloader: 'bootc' });
    expect(find(p, 'bootc install')?.argv.slice(-4)).toEqual(['--composefs-backend', '--bootloader=systemd', '--skip-finalize', '/run/deb-bootc-image-builder/target']);
    // no ostree deployment to write an fstab into, no sysroot to finish
    expect(steps(p).some((s) => s.kind === 'deployment-file')).toBe(false);
    expect(find(p, 'ostree config')).toBeUndefined();
  });

  it('composefs backend with customizations is refused with what to do', () => {
    const facts = withTools({ ...BOOTC, systemdBoot: true }, (f) => Object.assign(f.prepareRoot, { composefs: 'yes' }));
    expect(() => plan(facts, { customizations: { ...NO_CUSTOMIZATIONS, hostname: 'box' } })).toThrow(/cannot yet apply customizations.*pass --installer native/);
  });
});

describe('bootupd after the native deployment', () => {
  it('runs bootupctl from the deployment, new root at /sysroot, /boot without the ESP; ostree keeps its hands off GRUB', () => {
    const p = plan(withTools(BOOTUPD));
    expect(p.installer.kind).toBe('bootupd');
    expect(find(p, 'ostree admin deploy')).toBeDefined();
    const bootupd = execs(p).find((s) => s.argv.includes(BOOTUPD_INSTALL));
    expect(bootupd).toEqual({
      kind: 'exec',
      in: 'deployment',
      proc: true,
      binds: [
        { source: '/run/deb-bootc-image-builder/target', target: '/sysroot', recursive: true },
        { source: '/run/deb-bootc-image-builder/target/boot', target: '/boot' },
        { source: '/run/deb-bootc-image-builder/dev', target: '/run/deb-bootc-image-builder-dev' },
      ],
      argv: ['sh', '-c', BOOTUPD_INSTALL, 'bootupd-install'],
    });
    // --filesystem where bootupd has it (as bootc decides), else the whole disk
    expect(BOOTUPD_INSTALL.split('\n')).toEqual([
      'set -e',
      'if bootupctl backend install --help | grep -q -- --filesystem; then',
      '  exec bootupctl backend install --write-uuid --filesystem /sysroot /',
      'fi',
      'exec bootupctl backend install --write-uuid --device "$(readlink -f /run/deb-bootc-image-builder-dev/disk)" /',
    ]);
    // bootupd mounts the ESP itself, onto an empty /boot/efi
    expect(steps(p).some((s) => s.kind === 'mount' && s.target.endsWith('/boot/efi'))).toBe(false);
    const stage = p.stages.find((s) => s.title.includes('bootupd'));
    expect(stage?.lanes[0]?.[0]).toEqual({
      kind: 'mount-deployment', sysroot: '/run/deb-bootc-image-builder/target', stateroot: 'default', at: '/run/deb-bootc-image-builder/deployment',
    });
    expect(find(p, 'grub-install')).toBeUndefined();
    expect(find(p, 'ostree config')?.argv.slice(-2)).toEqual(['sysroot.bootloader', 'none']);
    expect(p.deployment.bootloaderBackend).toBe('none');
  });
});

describe('native path', () => {
  it('ostree deploy and GRUB from the image; the plan says why', () => {
    const p = plan(exampleFacts());
    expect(p.installer).toEqual({ kind: 'native', reason: 'the image has neither bootc nor bootupd' });
    expect(find(p, 'ostree admin deploy')).toBeDefined();
    expect(find(p, 'grub-install')).toBeDefined();
    expect(find(p, 'bootc')).toBeUndefined();
    expect(execs(p).some((s) => s.argv.includes(BOOTUPD_INSTALL))).toBe(false);
  });
});

describe('golden plans of each installer', () => {
  it.each([
    ['bootc', 'bootc installs, its bootupd the bootloader', { ...BOOTC, ...BOOTUPD }],
    ['bootc-grub', 'bootc installs, this builder GRUB', BOOTC],
    ['bootupd', 'native deployment, bootupd the bootloader', BOOTUPD],
  ] as const)('%s (%s)', async (name, _what, tools) => {
    await expect(`${JSON.stringify(plan(withTools(tools)), null, 2)}\n`).toMatchFileSnapshot(`../golden/manifest-${name}-qcow2.json`);
  });
});
