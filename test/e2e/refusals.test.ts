// Bad inputs: each is refused before any disk work with one "error:" line that says what to
// do, and its own exit code (README "Exit codes"). The table of what was observed is printed.
// Also: `manifest` needs no privileges at all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, type ErrorId } from '../../src/errors.js';
import type { Plan } from '../../src/plan/types.js';
import { type BuilderRun, EXAMPLE, PLAIN_DEBIAN, STORAGE, buildImageFrom, runBuilder } from '../support/images.js';
import { rewriteConfig } from '../support/oci-layout.js';

const OPAQUE = 'localhost/dbib-test-opaque';
const BAD = {
  noKernel: 'localhost/dbib-bad-no-kernel',
  twoKernels: 'localhost/dbib-bad-two-kernels',
  noInitramfs: 'localhost/dbib-bad-no-initramfs',
  initramfsWithoutOstree: 'localhost/dbib-bad-initramfs-without-ostree',
  layout: 'localhost/dbib-bad-layout',
  noGrub: 'localhost/dbib-bad-no-grub',
  noVar: 'localhost/dbib-bad-no-var',
  composefsWithout: 'localhost/dbib-bad-composefs-without-support',
  ostreeNative: 'localhost/dbib-bad-ostree-native',
  installConfig: 'localhost/dbib-bad-install-config',
  bootcWithoutPodman: 'localhost/dbib-bad-bootc-without-podman',
  danglingLink: 'localhost/dbib-bad-dangling-link',
};
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/dbib-refusals-`);
  await chmod(dir, 0o755);
  const from = (lines: string[]) => [`FROM ${EXAMPLE}`, ...lines].join('\n');
  // an initramfs that is a valid cpio archive without ostree in it
  await execa('sh', ['-c', `mkdir -p ${dir}/ird/etc && echo x > ${dir}/ird/etc/x && cd ${dir}/ird && find . | cpio -o -H newc --quiet > ${dir}/plain.img`]);
  await Promise.all([
    buildImageFrom(BAD.noKernel, [`FROM ${PLAIN_DEBIAN}`, 'LABEL containers.bootc=1'].join('\n')),
    buildImageFrom(BAD.twoKernels, from(['RUN mkdir /usr/lib/modules/6.1.0-old && touch /usr/lib/modules/6.1.0-old/vmlinuz'])),
    buildImageFrom(BAD.noInitramfs, from(['RUN rm /usr/lib/modules/*/initramfs.img'])),
    buildImageFrom(BAD.initramfsWithoutOstree, from(['COPY plain.img /usr/lib/plain.img', 'RUN mv /usr/lib/plain.img /usr/lib/modules/*/initramfs.img']), { 'plain.img': `${dir}/plain.img` }),
    buildImageFrom(BAD.layout, from(['RUN rm /ostree'])),
    buildImageFrom(BAD.noGrub, from(['RUN rm -rf /usr/lib/grub /usr/lib/shim /usr/sbin/grub-install /usr/bin/grub-mkimage'])),
    buildImageFrom(BAD.noVar, from(['RUN rm -rf /var'])),
    // trixie's ostree-prepare-root has no composefs: a composefs image from it would not boot
    buildImageFrom(BAD.composefsWithout, from([`RUN printf '[composefs]\\nenabled = yes\\n' > /usr/lib/ostree/prepare-root.conf`])),
    buildImageFrom(BAD.ostreeNative, from(['LABEL ostree.final-diffid=sha256:0123456789abcdef'])),
    buildImageFrom(BAD.installConfig, from([`RUN printf '[install]\\nroot_fs_type = "xfs"\\n' > /usr/lib/bootc/install/10-typo.toml`])),
    buildImageFrom(BAD.bootcWithoutPodman, from(['RUN printf "#!/bin/sh\\n" > /usr/bin/bootc && chmod 755 /usr/bin/bootc && cp /usr/bin/bootc /usr/bin/skopeo'])),
    buildImageFrom(BAD.danglingLink, from(['RUN ln -s /usr/absent /etc/app'])),
    execa('podman', ['save', '-q', '--format', 'oci-dir', '-o', `${dir}/arm64`, EXAMPLE]).then(() =>
      rewriteConfig(`${dir}/arm64`, (config) => Object.assign(config, { architecture: 'arm64' })),
    ),
  ]);
  await writeFile(`${dir}/readme`, 'not an archive');
});

afterAll(async () => {
  await execa('podman', ['rmi', '-f', ...Object.values(BAD), OPAQUE], { reject: false });
  await rm(dir, { recursive: true, force: true });
});

const observed: string[] = [];
afterAll(() => console.log(['| bad input | exit | message |', '|---|---|---|', ...observed].join('\n')));

type Row = [what: string, args: () => string[], run: () => BuilderRun, id: ErrorId, message: RegExp];
/** A fresh output directory plus `extra` run options (evaluated when the row runs). */
const withOutput = (extra: () => BuilderRun = () => ({})) => (): BuilderRun => {
  const output = `${dir}/out-${Math.random().toString(36).slice(2)}`;
  mkdirSync(output);
  return { output, ...extra() };
};
/** A fresh output directory and `toml` mounted as the build's /config.toml. */
const withConfig = (toml: string, extra: () => BuilderRun = () => ({})) => {
  const config = () => {
    const file = `${dir}/config-${Math.random().toString(36).slice(2)}.toml`;
    writeFileSync(file, toml);
    return file;
  };
  return withOutput(() => {
    const more = extra();
    return { ...more, podmanArgs: ['-v', `${config()}:/config.toml:ro`, ...(more.podmanArgs ?? [])] };
  });
};

const rows: Row[] = [
  ['a plain Debian image (no bootc label)', () => [PLAIN_DEBIAN], withOutput(), 'not-bootc', /not a bootc image \(no containers\.bootc=1 label\); build it FROM a bootc base image or add LABEL containers\.bootc=1/],
  ['an image without a kernel', () => [BAD.noKernel], withOutput(), 'no-kernel', /no kernel found: install one and copy it to \/usr\/lib\/modules\/\$KVER\/vmlinuz/],
  ['an image with two kernels', () => [BAD.twoKernels], withOutput(), 'several-kernels', /more than one kernel \(6\.1\.0-old, 6\.12\.\S+\)/],
  ['an image without an initramfs', () => [BAD.noInitramfs], withOutput(), 'no-initramfs', /no initramfs for kernel 6\.12\.\S+: build one with dracut/],
  ['an initramfs without ostree support', () => [BAD.initramfsWithoutOstree], withOutput(), 'initramfs-without-ostree', /has no ostree support \(no ostree-prepare-root\): install ostree-boot and rebuild it with dracut --add ostree/],
  ['an image without the /ostree symlink', () => [BAD.layout], withOutput(), 'ostree-layout', /\/ostree must be a symlink to sysroot\/ostree: add RUN rm -rf \/ostree && ln -s sysroot\/ostree \/ostree/],
  ['an arm64 image (OCI layout)', () => ['oci:/in/arm64'], withOutput(() => ({ podmanArgs: ['-v', `${dir}:/in:ro`] })), 'arch-mismatch', /is built for arm64 and this builder runs on amd64/],
  ['an image from which GRUB cannot be installed', () => [BAD.noGrub], withOutput(), 'image-unsupported', /GRUB cannot be installed from this image: install grub-pc-bin/],
  ['an image not in the storage (--pull=never)', () => ['--pull=never', 'quay.io/example/absent:1'], withOutput(), 'image-not-found', /is not in the container storage at \/var\/lib\/containers\/storage, and --pull=never forbids pulling it: pull it on the host \(sudo podman pull quay\.io\/example\/absent:1\)/],
  ['containers-storage: image not there', () => ['containers-storage:localhost/absent:1'], withOutput(), 'image-not-found', /build it as root \(sudo podman build -t localhost\/absent:1 \.\.\.\)/],
  ['an archive that is not mounted', () => ['oci-archive:/mnt/absent.tar'], withOutput(), 'image-not-found', /there is no \/mnt\/absent\.tar in the builder: mount it, e\.g\. -v \/mnt\/absent\.tar:\/mnt\/absent\.tar:ro/],
  ['a file that is not an archive', () => ['oci-archive:/in/readme'], withOutput(() => ({ podmanArgs: ['-v', `${dir}:/in:ro`] })), 'source-unavailable', /oci-archive:\/in\/readme: podman cannot read it \(.*unexpected EOF\)/],
  ['no storage mounted', () => [EXAMPLE], withOutput(() => ({ storage: false })), 'image-not-found', /it has no images: is the host's storage mounted\? -v \/var\/lib\/containers\/storage:\/var\/lib\/containers\/storage\); build it as root/],
  ['a read-only storage for a build', () => [EXAMPLE], withOutput(() => ({ storage: false, podmanArgs: ['-v', `${STORAGE}:${STORAGE}:ro`] })), 'storage', /building needs the container storage mounted read-write .* drop :ro/],
  ['no --privileged', () => [EXAMPLE], withOutput(() => ({ privileged: false })), 'not-privileged', /the builder is not privileged \(\/sys is read-only\): run the builder as root with podman run --privileged/],
  ['no output directory mounted', () => [EXAMPLE], () => ({}), 'output', /no output directory is mounted, so the artifacts would be lost with the container: add -v \.\/output:\/output/],
  ['a read-only output directory', () => [EXAMPLE], () => ({ podmanArgs: ['-v', '/tmp:/output:ro'] }), 'output', /cannot write to the output directory \/output: it is on a read-only filesystem/],
  ['an output directory too small', () => [EXAMPLE], () => ({ podmanArgs: ['--mount', 'type=tmpfs,destination=/output,tmpfs-size=64m'] }), 'no-space', /not enough free space in \/output: the build needs about \d+\.\d GiB, 0\.1 GiB is free/],
  ['a registry that does not answer', () => ['docker://127.0.0.1:9/example/app:1'], withOutput(() => ({ podmanArgs: ['--network', 'host'] })), 'pull-failed', /cannot reach the registry .*without network, use an image in the mounted storage/],
  ['a Docker daemon that is not there', () => ['docker-daemon:example:latest'], withOutput(), 'source-unavailable', /no Docker daemon socket: mount it with -v \/var\/run\/docker\.sock:\/var\/run\/docker\.sock/],
  ['an unknown disk type', () => ['--type', 'floppy', EXAMPLE], withOutput(), 'usage', /--type floppy is not supported; choose from qcow2, raw/],
  ['an unknown pull policy', () => ['--pull=sometimes', EXAMPLE], withOutput(), 'usage', /--pull=sometimes is not a pull policy; choose from missing, always, never/],
  ['an unsupported transport', () => ['dir:/tmp/x'], withOutput(), 'usage', /the dir: transport is not supported; use containers-storage:/],
  ['an unsupported root filesystem', () => ['--rootfs', 'zfs', EXAMPLE], withOutput(), 'usage', /--rootfs zfs is not supported; choose ext4, xfs or btrfs/],
  ['--installer bootc on an image without bootc', () => ['--installer', 'bootc', EXAMPLE], withOutput(), 'usage', /--installer bootc: localhost\/debian-bootc-example has no \/usr\/bin\/bootc; use --installer auto/],
  ['an image without /var', () => [BAD.noVar], withOutput(), 'ostree-layout', /no \/var directory \(ostree mounts the persistent \/var there; it may be empty\): add RUN mkdir -p \/var/],
  ["composefs on with trixie's ostree", () => [BAD.composefsWithout], withOutput(), 'image-unsupported', /prepare-root\.conf enables composefs, but the initramfs of kernel 6\.12\.\S+ has an ostree-prepare-root without composefs support \(no libcomposefs\), so the disk would not boot: set \[composefs\] enabled = no/],
  ['an ostree-native (rechunked) image', () => [BAD.ostreeNative], withOutput(), 'image-unsupported', /an ostree-native \(rechunked\) image: its layers carry ostree's own objects \(label ostree\.final-diffid\), which only bootc imports/],
  ['an install config bootc would refuse', () => [BAD.installConfig], withOutput(), 'image-unsupported', /the image's \/usr\/lib\/bootc\/install\/10-typo\.toml: unknown key install\.root_fs_type \(bootc refuses the file\): remove or rename it/],
  ['--installer bootc on an image with bootc but no podman', () => ['--installer', 'bootc', BAD.bootcWithoutPodman], withOutput(), 'image-unsupported', /--installer bootc: localhost\/dbib-bad-bootc-without-podman lacks podman \(bootc creates the image store of the new system with it\); install podman in the image, or use --installer native/],
  ['--target-imgref naming a Docker daemon', () => ['--target-imgref', 'docker-daemon:x', EXAMPLE], withOutput(), 'usage', /bootc cannot update from a Docker daemon/],
  // config refusals (issue 11)
  ['a secret placeholder in a user description', () => [EXAMPLE], withConfig('[[customizations.user]]\nname = "alice"\ndescription = "@secret:user.alice.password@"\n'), 'config', /config\.toml:3:1: customizations\.user\[0\]\.description: must not contain "@secret:" \(reserved for the builder's secret placeholders\)/],
  ['a secret placeholder in --target-imgref', () => ['--target-imgref', 'oci:/srv/@secret:user.root.password@', EXAMPLE], withOutput(), 'usage', /--target-imgref "oci:\/srv\/@secret:user\.root\.password@" must not contain "@secret:"/],
  ['a password with a line break', () => [EXAMPLE], withConfig('[[customizations.user]]\nname = "alice"\npassword = "alicepw\\nroot:RTrootpw"\n'), 'config', /config\.toml:3:1: customizations\.user\[0\]\.password: must not contain a line break or other control character/],
  ['a new user with uid 0', () => [EXAMPLE], withConfig('[[customizations.user]]\nname = "alice"\nuid = 0\n'), 'config', /customizations\.user\[0\]\.uid: uid 0 is root's: give another uid/],
  ['a new user with a uid the image uses', () => [EXAMPLE], withConfig('[[customizations.user]]\nname = "alice"\nuid = 33\n'), 'config', /config\.toml:3:1: customizations\.user\[0\]\.uid: uid 33 is already used by www-data in the image: give another uid/],
  ['a new user named like a group of the config', () => [EXAMPLE], withConfig('[[customizations.group]]\nname = "devs"\n[[customizations.user]]\nname = "devs"\n'), 'config', /customizations\.user\[0\]\.name: a group named devs already exists in the config \(customizations\.group\[0\]\), so useradd cannot make the user's own group/],
  ['a gid of (gid_t)-1', () => [EXAMPLE], withConfig('[[customizations.group]]\nname = "devs"\ngid = 4294967295\n'), 'config', /customizations\.group\[0\]\.gid: must be at most 4294967294/],
  ['an xfs label of 13 characters', () => [EXAMPLE], withConfig('[[customizations.disk.partitions]]\nmountpoint = "/var/data"\nfs_type = "xfs"\nlabel = "thirteen-char"\nminsize = "1 GiB"\n'), 'config', /customizations\.disk\.partitions\[0\]\.label: "thirteen-char" is too long: xfs labels are at most 12 bytes/],
  ['a part_uuid that is not a GUID', () => [EXAMPLE], withConfig('[[customizations.disk.partitions]]\nmountpoint = "/var/data"\npart_uuid = "not-a-guid"\nminsize = "1 GiB"\n'), 'config', /customizations\.disk\.partitions\[0\]\.part_uuid: "not-a-guid" is not a GUID/],
  ['a mountpoint with a space', () => [EXAMPLE], withConfig('[[customizations.disk.partitions]]\nmountpoint = "/var/my data"\nminsize = "1 GiB"\n'), 'config', /customizations\.disk\.partitions\[0\]\.mountpoint: "\/var\/my data" is not a usable mountpoint: "\/" or \/-separated names of letters, digits and \. _ @ \+ -/],
  ['a kernel argument with an open quote', () => [EXAMPLE], withConfig('[customizations.kernel]\nappend = "foo=\\"bar baz"\n'), 'config', /customizations\.kernel\.append: a double quote is not closed: quote a value with spaces as name="a b"/],
  ['a 300 KiB TOML file (parsed; its misplaced file refused)', () => [EXAMPLE], withConfig(`[[customizations.files]]\npath = "/usr/big"\ndata = "${'x'.repeat(300 * 1024)}"\n`), 'config', /config\.toml: customizations\.files\[0\]\.path: \/usr\/big: a file can only go under \/etc, \/root or \/var/],
  ['a line break in a user name', () => [EXAMPLE], withConfig('[[customizations.user]]\nname = "alice\\nroot"\n'), 'config', /config\.toml:2:1: customizations\.user\[0\]\.name: must not contain a line break or other control character/],
  ['a directory where the image has a file', () => [EXAMPLE], withConfig('[[customizations.directories]]\npath = "/etc/hostname"\n'), 'config', /config\.toml:2:1: customizations\.directories\[0\]\.path: \/etc\/hostname is a file in the image: a directory cannot replace it/],
  ['a part_type that is not a GUID', () => [EXAMPLE], withConfig('[[customizations.disk.partitions]]\nmountpoint = "/var/data"\npart_type = "linux"\nminsize = "1 GiB"\n'), 'config', /customizations\.disk\.partitions\[0\]\.part_type: "linux" is not a GUID/],
  ['a file through a link of the image that leads nowhere', () => [BAD.danglingLink], withConfig('[[customizations.files]]\npath = "/etc/app/app.conf"\ndata = "x"\n'), 'config', /customizations\.files\[0\]\.path: \/etc\/app\/app\.conf goes through the image's symlink \/etc\/app -> \/usr\/absent, which leads to nothing there/],
  // command line and environment refusals (issue 11)
  ['a --size larger than ext4 allows for one file', () => ['--size', '17 TiB', EXAMPLE], withOutput(), 'output', /--size 17 TiB is larger than the output filesystem allows for one file \(.*\): choose a smaller --size/],
  ['a --chown UID out of range', () => ['--chown', '99999999999999999999', EXAMPLE], withOutput(), 'usage', /--chown 99999999999999999999: UID 99999999999999999999 is out of range \(0 to 4294967294\)/],
  ['a path as the image', () => ['../../etc/passwd'], withOutput(), 'usage', /\.\.\/\.\.\/etc\/passwd is not a valid image reference: names are lower-case letters and digits, .*oci-archive:PATH/],
  ['an image name starting with -', () => ['--', '-weird'], withOutput(), 'usage', /-weird is not a valid image reference/],
  ['an upper-case image name', () => ['localhost/Debian-Bootc-Example'], withOutput(), 'usage', /localhost\/Debian-Bootc-Example is not a valid image reference: image names must be lower case: use localhost\/debian-bootc-example$/],
  ['an image ID not in the storage', () => ['0'.repeat(64)], withOutput(), 'image-not-found', /no image with ID 0{64} in the container storage at \/var\/lib\/containers\/storage/],
  ['the builder run as a user (podman run --user)', () => [EXAMPLE], withOutput(() => ({ podmanArgs: ['--user', '1000'] })), 'not-privileged', /the builder runs as uid 1000: run it as root \(drop --user\)/],
  ['a read-only builder (podman run --read-only)', () => [EXAMPLE], withOutput(() => ({ podmanArgs: ['--read-only'] })), 'environment', /the builder's filesystem is read-only \(\/var\/lib cannot be written; podman run --read-only\?\): drop --read-only/],
];

describe('bad input is refused before any disk work', () => {
  it.each(rows)('%s', async (what, args, run, id, message) => {
    const started = performance.now();
    const result = await runBuilder(args(), run());
    const seconds = (performance.now() - started) / 1000;
    observed.push(`| ${what} | ${result.exitCode} | \`${(result.stderr.split('\n').at(-1) ?? '').replaceAll('|', '\\|')}\` (${seconds.toFixed(1)} s) |`);
    // progress lines may come first (pulling, importing); exactly one error line, the last
    const lines = result.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('error: '))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^error: /);
    expect(lines.at(-1)).toMatch(message);
    expect(result.exitCode).toBe(EXIT_CODES[id]);
    expect(result.stdout).toBe('');
  });

  it('--pull=never fails at once without network for a name that is not local', async () => {
    const started = performance.now();
    const result = await runBuilder(['--pull=never', 'quay.io/particle-os/apex'], { podmanArgs: ['--network', 'none'] });
    const seconds = (performance.now() - started) / 1000;
    console.log(`--pull=never, absent image, --network none: exit ${result.exitCode} after ${seconds.toFixed(2)} s (podman run included)`);
    expect(result.exitCode).toBe(EXIT_CODES['image-not-found']);
    expect(result.stderr).toMatch(/--pull=never forbids pulling it/);
  });
});

describe('inspect', () => {
  it('reports a buildable image as JSON', async () => {
    const run = await runBuilder(['inspect', '--json', EXAMPLE], { privileged: false });
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.verdict).toEqual({ buildable: true });
    expect(report.kernels[0].initramfsContents).toMatchObject({ ostreePrepareRoot: true, kernelModules: { ext4: 'module', virtio_blk: 'module' } });
    expect(report.tools).toMatchObject({ bootc: false, bootupctl: false, shim: true, grubEfiSigned: true });
  });

  it('says in text why an image cannot be built', async () => {
    const run = await runBuilder(['inspect', BAD.initramfsWithoutOstree], { privileged: false });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^Initramfs +none; ostree-prepare-root: no;/m);
    expect(run.stdout).toMatch(/^Verdict +cannot be built \(exit 8\): .*has no ostree support/m);
  });
});

describe('manifest without privileges', () => {
  it('prints the plan with no capabilities and a read-only storage', async () => {
    const run = await runBuilder(['manifest', EXAMPLE], {
      privileged: false,
      storage: false,
      podmanArgs: ['--cap-drop=all', '--security-opt', 'no-new-privileges', '-v', `${STORAGE}:${STORAGE}:ro`],
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const plan = JSON.parse(run.stdout) as Plan;
    const [podman] = JSON.parse((await execa('podman', ['image', 'inspect', EXAMPLE])).stdout);
    expect(plan.image.id).toBe(podman.Id);
    expect(plan.outputs).toEqual([{ type: 'qcow2', path: 'qcow2/disk.qcow2' }]);
  });

  it('plans the same as with privileges, even where a layer replaced a directory', async () => {
    await buildImageFrom(
      OPAQUE,
      [
        `FROM ${EXAMPLE}`,
        `RUN mkdir -p /usr/lib/bootc/kargs.d && echo 'kargs = ["dbib.lower"]' > /usr/lib/bootc/kargs.d/00-lower.toml`,
        `RUN rm -rf /usr/lib/bootc/kargs.d && mkdir /usr/lib/bootc/kargs.d && echo 'kargs = ["dbib.upper"]' > /usr/lib/bootc/kargs.d/10-upper.toml`,
      ].join('\n'),
    );
    const unprivileged = await runBuilder(['manifest', OPAQUE], {
      privileged: false,
      storage: false,
      podmanArgs: ['--cap-drop=all', '-v', `${STORAGE}:${STORAGE}:ro`],
    });
    const privileged = await runBuilder(['manifest', OPAQUE]);
    expect(unprivileged.exitCode).toBe(0);
    expect(unprivileged.stdout).toBe(privileged.stdout);
    const kargs = (JSON.parse(unprivileged.stdout) as Plan).deployment.kargs;
    expect(kargs).toContain('dbib.upper');
    expect(kargs).not.toContain('dbib.lower');
  });
});
