// The stages that put the image on the new filesystems and make the disk bootable, for each
// installer (see installer.ts). Customizations and /var partitions go in between: after the
// deployment exists, before the bootloader reads it.
import { bootloaderStage } from './bootloader.js';
import { type DeploymentInput, commitStages, deployStage, fstab, mountRoot, sysrootStage } from './deployment.js';
import { type Installer, bootcInstallStep, bootupdInstallStep } from './installer.js';
import type { UpdateSource } from './ostree-ref.js';
import { partition, rootFilesystem } from './partitions.js';
import { PATHS, device, repo } from './paths.js';
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
  return bootloaderStage({ facts: input.facts, disk: input.disk, bootloader: input.bootloader, kargs: input.deployment.kargs });
}

/** Root, /boot and the ESP mounted as bootc expects them (as BIB mounts them), then bootc run
 * inside the image. */
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
    ...(esp ? [{ kind: 'mkdir', path: `${PATHS.boot}/efi`, mode: 0o755 } as const, { kind: 'mount', source: device('esp'), target: `${PATHS.boot}/efi` } as const] : []),
    bootcInstallStep({
      installer,
      imageId: facts.id,
      storage: facts.storage,
      target: input.target,
      rootUuid: root.filesystem.uuid,
      bootUuid: boot.uuid,
      kargs: input.bootcKargs,
      stateroot: deployment.stateroot,
    }),
  ];
  if (installer.backend === 'ostree') {
    // bootc wrote /boot's line (read-only, as bootc wants it); the other mounts are added
    const content = fstab(disk, ['/boot']);
    steps.push({ kind: 'deployment-file', sysroot: PATHS.target, stateroot: deployment.stateroot, path: 'etc/fstab', content, mode: 0o644, append: true });
  }
  return { title: `Install ${facts.ref} with the image's bootc`, lanes: [steps] };
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
