// Who installs the image on the new filesystems. Images that ship bootc install themselves,
// as bootc-image-builder has them do: `bootc install to-filesystem` runs inside the image.
// Images with bootupd but no bootc get the native ostree deployment, then bootupd installs
// the bootloader from the deployment, as bootc would have it. Images with neither get the
// native deployment and GRUB from the image. --installer overrides the choice.
import { UserError } from '../errors.js';
import type { ImageFacts } from '../image/facts.js';
import { composefsEnabled } from '../image/validate.js';
import type { Storage } from '../image/podman.js';
import { PATHS } from './paths.js';
import type { UpdateSource } from './ostree-ref.js';
import type { Bind, Step } from './types.js';

export const INSTALLER_CHOICES = ['auto', 'bootc', 'bootupd', 'native'] as const;
export type InstallerChoice = (typeof INSTALLER_CHOICES)[number];

export type Installer =
  | {
      kind: 'bootc';
      reason: string;
      /** composefs: bootc's composefs backend (no ostree repository on the disk) */
      backend: 'ostree' | 'composefs';
      /** who installs the bootloader: bootc (through bootupd, or systemd-boot) or this builder (GRUB) */
      bootloader: 'bootc' | 'builder';
    }
  | { kind: 'bootupd'; reason: string }
  | { kind: 'native'; reason: string };

/** The native path and bootc without bootupd get GRUB installed from the image by this builder. */
export function installsGrubFromImage(installer: Installer): boolean {
  return installer.kind === 'native' || (installer.kind === 'bootc' && installer.bootloader === 'builder');
}

/** bootc's composefs backend leaves no ostree deployment for this builder to change. */
export function checkComposefsRequest(installer: Installer, wantsDeploymentChanges: boolean): void {
  if (installer.kind !== 'bootc' || installer.backend !== 'composefs' || !wantsDeploymentChanges) return;
  throw new UserError(
    'usage',
    "bootc's composefs backend installs this image, and this builder cannot yet apply customizations or /var filesystems to a composefs deployment: build without them, or pass --installer native",
  );
}

export function parseInstaller(value: string | undefined): InstallerChoice {
  if (value === undefined) return 'auto';
  if ((INSTALLER_CHOICES as readonly string[]).includes(value)) return value as InstallerChoice;
  throw new UserError('usage', `--installer ${value} is not known; choose ${INSTALLER_CHOICES.join(', ')}`);
}

export function chooseInstaller(facts: ImageFacts, choice: InstallerChoice): Installer {
  const { tools } = facts;
  const bootupdPayload = tools.bootupdUpdates || tools.efiPayload;
  const bootcNeeds = missingForBootc(facts);
  if (choice === 'bootc' || (choice === 'auto' && tools.bootc && bootcNeeds.length === 0)) {
    if (!tools.bootc) throw new UserError('usage', `--installer bootc: ${facts.ref} has no /usr/bin/bootc; use --installer auto`);
    if (bootcNeeds.length > 0) {
      throw new UserError('image-unsupported', `--installer bootc: ${bootcNeedsText(facts.ref, bootcNeeds)}; install ${bootcNeeds.join(' and ')} in the image, or use --installer native`);
    }
    return bootcInstaller(facts);
  }
  if (choice === 'bootupd' || (choice === 'auto' && tools.bootupctl && bootupdPayload)) {
    if (!tools.bootupctl || !bootupdPayload) {
      throw new UserError(
        'usage',
        `--installer bootupd: ${facts.ref} has no ${tools.bootupctl ? 'bootupd payload (/usr/lib/bootupd/updates or /usr/lib/efi)' : '/usr/bin/bootupctl'}; use --installer auto`,
      );
    }
    return { kind: 'bootupd', reason: 'the image has bootupd (/usr/bin/bootupctl and its payload) but no bootc' };
  }
  if (choice === 'native') return { kind: 'native', reason: 'asked for with --installer native' };
  const why = tools.bootc ? `${bootcNeedsText('the image', bootcNeeds)}, so its bootc cannot install it` : 'the image has neither bootc nor bootupd';
  return { kind: 'native', reason: why };
}

/**
 * What bootc needs in its own root besides itself: skopeo, through which it reads the image
 * (ostree-ext's containers-image-proxy runs `skopeo experimental-image-proxy`), and podman,
 * with which it creates the new system's image store (crates/lib/src/podstorage.rs,
 * CStorage::create runs `podman images` against it).
 */
function missingForBootc(facts: ImageFacts): string[] {
  return [...(facts.tools.skopeo ? [] : ['skopeo']), ...(facts.tools.podman ? [] : ['podman'])];
}

function bootcNeedsText(subject: string, missing: string[]): string {
  const uses = { skopeo: 'skopeo (bootc reads the image with it)', podman: 'podman (bootc creates the image store of the new system with it)' };
  return `${subject} lacks ${missing.map((m) => uses[m as keyof typeof uses]).join(' and ')}`;
}

/** A warning for images whose bootc is passed over: their authors expect it to install them. */
export function installerWarnings(facts: ImageFacts, choice: InstallerChoice, installer: Installer): string[] {
  if (choice !== 'auto' || installer.kind !== 'native' || !facts.tools.bootc) return [];
  const missing = missingForBootc(facts);
  return [`${installer.reason}: installing it with this builder's own ostree deployment instead; add ${missing.join(' and ')} to the image for bootc to install it`];
}

function bootcInstaller(facts: ImageFacts): Installer {
  const composefs = composefsBackend(facts);
  const hasBootupd = facts.tools.bootupctl && (facts.tools.bootupdUpdates || facts.tools.efiPayload);
  const bootloader = composefs || hasBootupd ? 'bootc' : 'builder';
  const how = composefs
    ? 'with its composefs backend (prepare-root.conf enables composefs, systemd-boot is in the image)'
    : hasBootupd
      ? 'and bootupd installs the bootloader'
      : 'without a bootloader (no bootupd in the image): GRUB is installed from the image by this builder';
  return { kind: 'bootc', reason: `the image has bootc, podman and skopeo: bootc installs it ${how}`, backend: composefs ? 'composefs' : 'ostree', bootloader };
}

/** bootc's composefs backend: composefs enabled in prepare-root.conf, booted by systemd-boot
 * (how bootcrew's images install: `bootc install --composefs-backend --bootloader systemd`). */
function composefsBackend(facts: ImageFacts): boolean {
  return composefsEnabled(facts) && facts.tools.systemdBoot;
}

/** Where bootc finds the image's containers-storage inside the image root (a private bind). */
export const BOOTC_STORAGE = '/run/deb-bootc-image-builder-storage';

export interface BootcInstallInput {
  installer: Extract<Installer, { kind: 'bootc' }>;
  imageId: string;
  storage: Storage;
  target: UpdateSource;
  rootUuid: string;
  bootUuid: string;
  /** what bootc does not add itself: not root=, rw or the image's kargs.d */
  kargs: string[];
  stateroot: string;
  /** the image's install config sets these: bootc reads them there, a flag would override them */
  configured: { rootMountSpec: boolean; bootMountSpec: boolean };
}

/**
 * `bootc install to-filesystem`, run in the image against the mounted new root, in a root
 * bootc can write to (a throw-away overlay on the image, as `podman run` gives bootc in
 * bootc-image-builder): it creates /var/lib/containers, /var/tmp and /run/udev there and
 * mirrors each from the builder's pid 1 (install.rs prepare_install,
 * crates/mount/src/mount.rs ensure_mirrored_host_mount).
 */
export function bootcInstallStep(input: BootcInstallInput): Step {
  const { installer, storage } = input;
  const runroot = `${BOOTC_STORAGE}/run`;
  const binds: Bind[] = [
    { source: storage.root, target: `${BOOTC_STORAGE}/root` },
    ...(storage.runroot ? [{ source: storage.runroot, target: runroot }] : []),
  ];
  const argv = [
    'bootc', 'install', 'to-filesystem',
    '--source-imgref', `containers-storage:[overlay@${BOOTC_STORAGE}/root+${runroot}]${input.imageId}`,
    ...targetImgref(input.target),
    '--skip-fetch-check',
    '--generic-image',
    '--stateroot', input.stateroot,
    ...(input.configured.rootMountSpec ? [] : [`--root-mount-spec=UUID=${input.rootUuid}`]),
    ...(input.configured.bootMountSpec ? [] : [`--boot-mount-spec=UUID=${input.bootUuid}`]),
    ...input.kargs.flatMap((k) => ['--karg', k]),
    ...(installer.backend === 'composefs' ? ['--composefs-backend', '--bootloader=systemd'] : []),
    ...(installer.bootloader === 'builder' ? ['--bootloader=none'] : []),
    '--skip-finalize',
    PATHS.target,
  ];
  return { kind: 'exec', in: 'image-rw', argv, binds };
}

/** bootc's --target-imgref is a name plus a transport (registry unless said). */
function targetImgref(target: UpdateSource): string[] {
  if (target.kind === 'registry') return ['--target-imgref', target.name];
  const colon = target.ref.indexOf(':');
  return ['--target-transport', target.ref.slice(0, colon), '--target-imgref', target.ref.slice(colon + 1)];
}

/** Where the build's device links appear inside the deployment root, for bootupd's --device. */
const DEV_LINKS = '/run/deb-bootc-image-builder-dev';

/** bootupd >= 0.2.33 finds the disk from a mounted filesystem; older ones are given the disk. */
export const BOOTUPD_INSTALL = `set -e
if bootupctl backend install --help | grep -q -- --filesystem; then
  exec bootupctl backend install --write-uuid --filesystem /sysroot /
fi
exec bootupctl backend install --write-uuid --device "$(readlink -f ${DEV_LINKS}/disk)" /`;

/**
 * bootupd installs the bootloader the way bootc runs it: from the new deployment (its own
 * bootupd and payload), with the new root at /sysroot (with its mounts) and /boot bound
 * without them: bootupd mounts the ESP at /boot/efi itself and wants that directory empty.
 */
export function bootupdInstallStep(): Step {
  return {
    kind: 'exec',
    in: 'deployment',
    proc: true,
    binds: [
      { source: PATHS.target, target: '/sysroot', recursive: true },
      { source: PATHS.boot, target: '/boot' },
      { source: PATHS.dev, target: DEV_LINKS },
    ],
    argv: ['sh', '-c', BOOTUPD_INSTALL, 'bootupd-install'],
  };
}
