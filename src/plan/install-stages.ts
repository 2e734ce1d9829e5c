// The stages that put the image on the new filesystems and make the disk bootable, for each
// installer (see installer.ts). Customizations and /var partitions go in between: after the
// deployment exists, before the bootloader reads it.
import { bootloaderStage } from './bootloader.js';
import { type DeploymentInput, commitStages, deployStage, fstab, mountRoot, sysrootStage } from './deployment.js';
import { type Installer, bootcInstallStep, bootupdInstallStep } from './installer.js';
import type { UpdateSource } from './ostree-ref.js';
import { partition, rootFilesystem } from './partitions.js';
import { PATHS, device, etcFile, repo } from './paths.js';
import type { Plan, Stage, Step } from './types.js';

export interface InstallInput extends DeploymentInput {
  installer: Installer;
  target: UpdateSource;
  bootloader: Plan['bootloader'];
  /** bootc's --karg list: what the builder and the user add (bootc adds root=, rw and kargs.d) */
  bootcKargs: string[];
}

export interface InstallStages {
  /** the deployment on the new root */
  deploy: Stage[];
  /** bootloader, then the sysroot's final settings */
  finish: Stage[];
}

export function installStages(input: InstallInput): InstallStages {
  const { installer } = input;
  // sysroot.bootloader, decided with the plan's deployment (none where bootupd owns GRUB)
  const finish = finishStage(input.deployment.bootloaderBackend);
  switch (installer.kind) {
    case 'native':
      return {
        deploy: [sysrootStage(input), ...commitStages(input), deployStage(input)],
        finish: [grubStage(input), finish],
      };
    case 'bootupd':
      return {
        deploy: [sysrootStage(input), ...commitStages(input), deployStage(input)],
        finish: [bootupdStage(input), finish],
      };
    case 'bootc':
      // with bootc's own bootloader, bootc has finished the sysroot itself
      return { deploy: [bootcStage(input, installer)], finish: installer.bootloader === 'builder' ? [grubStage(input), finish] : [] };
  }
}

function grubStage(input: InstallInput): Stage {
  const { facts, disk, bootloader, deployment } = input;
  return bootloaderStage({ facts, disk, bootloader, kargs: deployment.kargs, stateroot: deployment.stateroot });
}

/** Root, /boot and the ESP mounted as bootc expects them (as BIB mounts them), then bootc run
 * inside a writable overlay of the image. */
function bootcStage(input: InstallInput, installer: Extract<Installer, { kind: 'bootc' }>): Stage {
  const { facts, disk, deployment } = input;
  const root = rootFilesystem(disk);
  const boot = partition(disk, 'boot')?.filesystem;
  if (!boot) throw new Error('layout without /boot');
  // the ESP mounted where BIB mounts it, for bootc's bootloader; when this builder installs
  // GRUB instead it writes the ESP with mtools, which must not share it with a vfat mount
  const esp = installer.bootloader === 'bootc' ? partition(disk, 'esp') : undefined;
  const steps: Step[] = [
    ...mountRoot(root.filesystem, root.device),
    { kind: 'mkdir', path: PATHS.boot, mode: 0o755 },
    { kind: 'mount', source: device('boot'), target: PATHS.boot },
    // the ESP's mount point lives on /boot, which bootc has mounted read-only at boot
    { kind: 'mkdir', path: `${PATHS.boot}/efi`, mode: 0o755 },
    ...(esp ? [{ kind: 'mount', source: device('esp'), target: `${PATHS.boot}/efi` } as const] : []),
    { kind: 'mount-overlay', lower: PATHS.source, scratch: `${PATHS.files}/image-rw`, at: PATHS.imageRw },
    bootcInstallStep({
      installer,
      imageId: facts.id,
      storage: facts.storage,
      target: input.target,
      rootUuid: root.filesystem.uuid,
      bootUuid: boot.uuid,
      kargs: input.bootcKargs,
      stateroot: deployment.stateroot,
      configured: { rootMountSpec: facts.installConfig.rootMountSpec !== undefined, bootMountSpec: facts.installConfig.bootMountSpec !== undefined },
    }),
    { kind: 'unmount', target: PATHS.imageRw },
  ];
  if (installer.backend === 'ostree') {
    // bootc wrote /boot's line (read-only, as bootc wants it); the other mounts are added
    steps.push(
      etcFile(deployment.stateroot, 'fstab', fstab(disk, ['/boot']), { append: true }),
      ...readOnlyBootUnits(facts).map((unit) => etcFile(deployment.stateroot, `systemd/system/${unit}.d/50-deb-bootc-image-builder-readonly-boot.conf`, READONLY_BOOT_DROPIN)),
    );
  }
  return { title: `Install ${facts.ref} with the image's bootc`, lanes: [steps] };
}

/**
 * Debian's "Record successful boot for GRUB" unit (grub-common.service in trixie,
 * grub2-common.service in sid) clears GRUB's recordfail flag in /boot/grub/grubenv at every
 * boot, and fails where bootc mounts /boot read-only, leaving the system degraded. GRUB
 * cannot keep that flag there either, and the menu this builder writes never sets it (only
 * grub-mkconfig's 10_linux entries do). So the unit is skipped, not failed, while /boot is
 * read-only; a /boot made writable runs it again.
 */
const READONLY_BOOT_DROPIN = `# /boot is read-only (bootc mounts it so): GRUB's recordfail cannot be kept in its grubenv,
# and this system's ostree menu never sets it. Added by deb-bootc-image-builder.
[Unit]
ConditionPathIsReadWrite=/boot
`;

function readOnlyBootUnits(facts: InstallInput['facts']): string[] {
  return [...(facts.tools.grubCommonUnit ? ['grub-common.service'] : []), ...(facts.tools.grub2CommonUnit ? ['grub2-common.service'] : [])];
}

/** bootupd run from the deployment (it mounts the ESP itself). */
function bootupdStage(input: InstallInput): Stage {
  return {
    title: "Install the bootloader with the image's bootupd",
    lanes: [
      [
        { kind: 'mount-deployment', sysroot: PATHS.target, stateroot: input.deployment.stateroot, at: PATHS.deployment },
        bootupdInstallStep(),
      ],
    ],
  };
}

function finishStage(backend: Plan['deployment']['bootloaderBackend']): Stage {
  return {
    title: 'Finish the sysroot',
    lanes: [
      [
        { kind: 'exec', in: 'image', argv: ['ostree', 'config', `--repo=${repo}`, 'set', 'sysroot.bootloader', backend] },
        { kind: 'exec', in: 'image', argv: ['ostree', 'admin', 'status', `--sysroot=${PATHS.target}`] },
      ],
    ],
  };
}
