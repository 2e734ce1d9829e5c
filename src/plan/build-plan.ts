// The planner: image facts + the user's request -> the complete build plan. Pure: no files,
// no processes, so every decision is unit-testable and printable by `manifest`.
import { checkConfigPaths } from './image-paths.js';
import { type Customizations, NO_CUSTOMIZATIONS } from '../config/customizations.js';
import { UserError } from '../errors.js';
import { checkArchitecture } from '../image/acquire.js';
import { expectedSystem } from './expected.js';
import type { ImageFacts } from '../image/facts.js';
import { validateForInstaller, validateImage } from '../image/validate.js';
import { planBootloader } from './bootloader.js';
import { customizeStage } from './customize.js';
import { varPartitionsStage } from './var-partitions.js';
import { ostreeSeedsVar } from './deployment.js';
import { type InstallerChoice, checkComposefsRequest, chooseInstaller, installerWarnings, installsGrubFromImage } from './installer.js';
import { installStages } from './install-stages.js';
import { estimateSpace, exportStages, planOutputs, rawDiskPath, sizeUnit } from './exports.js';
import { commandLineKargs, planKargs } from './kargs.js';
import { updateSource } from './update-source.js';
import { imageRef, originFile, treeRef } from './ostree-ref.js';
import { DiskSizeUnit, DiskTooSmall, filesystems, type LayoutInput, partition, planDisk, rootFilesystem, sfdiskScript } from './partitions.js';
import { PATHS, device, repo, workDir } from './paths.js';
import type { DiskLayout, ExportOptions, Filesystem, ImageType, Plan, Stage, Step } from './types.js';
import { ConfigError } from '../config/source.js';
import { formatBytes } from '../config/size.js';

export const ROOTFS_TYPES = ['ext4', 'xfs', 'btrfs'] as const;
export type RootfsType = (typeof ROOTFS_TYPES)[number];

export interface BuildRequest {
  types: ImageType[];
  /** absolute path of the output directory */
  outputDir: string;
  rootfs?: string;
  /** what the deployed system updates from; default: the reference the user gave */
  targetImgref?: string;
  noDefaultKargs?: boolean;
  /** OCI name of the architecture the builder runs on (the image's tools run here) */
  hostArch?: string;
  customizations?: Customizations;
  /** --size: exact bytes or 'auto' (overrides the config's disk.minsize) */
  size?: number | 'auto';
  exportOptions?: ExportOptions;
  /** --installer: who deploys the image (default: chosen from what the image has) */
  installer?: InstallerChoice;
}

const DEFAULT_EXPORT_OPTIONS: ExportOptions = { qcow2Compressed: false, vmdkSubformat: 'streamOptimized' };

export function planBuild(facts: ImageFacts, request: BuildRequest, builderVersion: string): Plan {
  const kernel = validateImage(facts);
  checkArchitecture(facts.ref, facts.arch, request.hostArch ?? 'amd64');
  const custom = request.customizations ?? NO_CUSTOMIZATIONS;
  checkConfigPaths(custom, facts);
  const rootfs = chooseRootfs(request.rootfs, facts, custom.root);
  checkRootModule(rootfs, facts, kernel);
  const installerChoice = request.installer ?? 'auto';
  const installer = chooseInstaller(facts, installerChoice);
  validateForInstaller(facts, kernel, installer);
  const bootloader = planBootloader(facts);
  const grubFromImage = installsGrubFromImage(installer);
  if (grubFromImage && !bootloader.bios && !bootloader.uefi) {
    throw new UserError(
      'image-unsupported',
      `${facts.ref}: GRUB cannot be installed from this image: install grub-pc-bin (BIOS) and/or grub-efi-amd64-bin or grub-efi-amd64-signed with shim-signed (UEFI)`,
    );
  }
  const disk = sizedDisk(
    {
      seed: facts.id,
      imageSizeBytes: facts.sizeBytes,
      rootfs,
      ...(custom.root?.fsType === 'btrfs' ? { subvolumes: custom.root.subvolumes.map(({ name, mountpoint }) => ({ name, mountpoint })) } : {}),
      bios: bootloader.bios,
      sizes: custom.sizes,
      extra: custom.partitions,
      ...(custom.volumeGroup ? { volumeGroup: custom.volumeGroup } : {}),
    },
    request,
    custom,
  );
  const rootFs = rootFilesystem(disk).filesystem;
  checkLvmSupport(disk, kernel);
  const rootSubvolume = rootFs.subvolumes?.find((v) => v.mountpoint === '/')?.name;
  const bootUuid = partition(disk, 'boot')?.filesystem?.uuid as string;
  const { rootMountSpec, bootMountSpec, stateroot = 'default' } = facts.installConfig;
  const kargs = planKargs({
    rootUuid: rootFs.uuid, bootUuid, rootSubvolume, rootMountSpec, bootMountSpec,
    imageKargs: facts.kargs, noDefaults: request.noDefaultKargs, extra: custom.kargs,
  });
  const { target, warnings: updateWarnings } = updateSource(facts, request.targetImgref);
  const customize = customizeStage(custom, facts, stateroot);
  const varPartitions = varPartitionsStage(disk, stateroot);
  checkComposefsRequest(installer, customize.stage !== undefined || varPartitions !== undefined);
  const warnings = [
    ...installerWarnings(facts, installerChoice, installer), ...updateWarnings, ...customize.warnings, ...autoSizeWarnings(request, facts), ...layoutWarnings(facts),
  ];
  const deployment: Plan['deployment'] = {
    stateroot,
    ostreeRef: facts.ostreeExt ? imageRef(target) : treeRef(target),
    origin: originFile(target),
    kargs,
    varSeed: installer.kind === 'bootc' ? 'bootc' : ostreeSeedsVar(facts.ostreeVersion) ? 'ostree' : 'builder',
    bootloaderBackend: grubFromImage ? 'grub2' : 'none',
  };
  const outputs = planOutputs(request.types);
  const exportOptions = request.exportOptions ?? DEFAULT_EXPORT_OPTIONS;
  const space = { path: request.outputDir, bytes: estimateSpace(facts.sizeBytes, outputs) };
  const install = installStages({
    facts, disk, deployment, installer, target, bootloader,
    bootcKargs: commandLineKargs({ noDefaults: request.noDefaultKargs, extra: custom.kargs }),
  });
  const stages: Stage[] = [
    prepareStage(facts, request.outputDir),
    partitionStage(disk, rawDiskPath(request.outputDir)),
    filesystemStage(disk),
    ...install.deploy,
    ...optional(varPartitions),
    ...optional(customize.stage),
    ...install.finish,
    releaseStage(disk, rawDiskPath(request.outputDir)),
    ...exportStages(request.outputDir, outputs, exportOptions, disk.sizeBytes),
  ];
  return {
    planVersion: 1,
    builderVersion,
    image: {
      ref: facts.ref,
      id: facts.id,
      digest: facts.digest,
      arch: facts.arch,
      os: facts.osRelease.PRETTY_NAME ?? facts.osRelease.ID ?? 'unknown',
      kernel: kernel.version,
      storage: facts.storage.root,
    },
    disk,
    deployment,
    bootloader,
    installer,
    outputs,
    exportOptions,
    space,
    warnings,
    expected: expectedSystem(disk, custom),
    stages,
  };
}

/** --rootfs, else the disk layout's "/", else the image's bootc install config, else ext4. */
function chooseRootfs(option: string | undefined, facts: ImageFacts, fromLayout: Customizations['root']): RootfsType {
  const supported = (type: string): type is RootfsType => (ROOTFS_TYPES as readonly string[]).includes(type);
  if (option !== undefined) {
    if (!supported(option)) throw new UserError('usage', `--rootfs ${option} is not supported; choose ext4, xfs or btrfs`);
    if (fromLayout && fromLayout.fsType !== option) {
      throw new ConfigError(fromLayout.at, `the disk layout makes / ${fromLayout.fsType}, but --rootfs asks for ${option}: drop one of them`);
    }
    return option;
  }
  if (fromLayout) return fromLayout.fsType;
  const fromImage = facts.rootfsType ?? 'ext4';
  if (supported(fromImage)) return fromImage;
  throw new UserError(
    'image-unsupported',
    `${facts.ref}: ${facts.rootfsTypeFrom ?? 'the bootc install config'} asks for a ${fromImage} root filesystem, which is not supported; pass --rootfs ext4, xfs or btrfs to override`,
  );
}

/** The initramfs mounts the root filesystem: it needs that filesystem's driver. */
function checkRootModule(rootfs: RootfsType, facts: ImageFacts, kernel: ReturnType<typeof validateImage>): void {
  if (kernel.initramfsContents?.kernelModules[rootfs] !== 'missing') return;
  const hint = rootfs === 'ext4' ? 'rebuild it with dracut --no-hostonly' : `rebuild it with dracut --no-hostonly (or --add-drivers ${rootfs}), or build with --rootfs ext4`;
  throw new UserError('image-unsupported', `the initramfs of kernel ${kernel.version} cannot mount ${rootfs === 'btrfs' ? 'a' : 'an'} ${rootfs} root (no ${rootfs} module): ${hint}`);
}

/** The disk, sized as asked: --size wins over the config's disk.minsize; either is exact. */
function sizedDisk(input: LayoutInput, request: BuildRequest, custom: Customizations): DiskLayout {
  const unit = sizeUnit(request.types);
  const diskSize = request.size ?? custom.sizes.disk;
  const fromConfig = request.size === undefined;
  const fail = (message: string) => {
    if (fromConfig) return new ConfigError([...custom.base, 'disk', 'minsize'], message);
    return new UserError('usage', `--size ${message}`);
  };
  try {
    return planDisk({ ...input, diskSize, unitBytes: unit.bytes });
  } catch (error) {
    if (error instanceof DiskTooSmall) {
      throw fail(`${formatBytes(error.askedBytes)} is too small: this image and layout need at least ${formatBytes(error.neededBytes)} (${error.neededBytes} bytes); --size=auto picks the smallest disk that fits`);
    }
    if (error instanceof DiskSizeUnit) {
      const up = Math.ceil(error.askedBytes / unit.bytes) * unit.bytes;
      throw fail(`${formatBytes(error.askedBytes)} does not fit: ${unit.why}; use ${formatBytes(up)} (${up} bytes)`);
    }
    throw error;
  }
}

/** Without layer tar-splits or a manifest the image goes in as one commit, which bootc cannot read. */
function layoutWarnings(facts: ImageFacts): string[] {
  if (facts.ostreeExt) return [];
  return [
    `${facts.ref}: its storage lacks the manifest or a layer's tar-split, so the image is stored as a single commit: the system boots, but bootc will not recognise it as a container image (bootc status and bootc upgrade fail); re-pull or rebuild the image with podman to fix this`,
  ];
}

/** --size=auto gives root little free space: say whether the image grows it on first boot. */
function autoSizeWarnings(request: BuildRequest, facts: ImageFacts): string[] {
  if (request.size !== 'auto') return [];
  if (facts.packages['cloud-guest-utils'] && facts.packages['cloud-init']) return [];
  return [
    '--size=auto leaves the root filesystem little free space, and this image has nothing that grows it when the disk is enlarged (cloud-init with cloud-guest-utils); enlarge the disk and run growpart and resize2fs yourself, or build with a larger --size',
  ];
}

function prepareStage(facts: ImageFacts, outputDir: string): Stage {
  return {
    title: 'Prepare the work area',
    lanes: [
      [
        { kind: 'scratch-dir', path: PATHS.run },
        { kind: 'scratch-dir', path: workDir(outputDir) },
        { kind: 'mkdir', path: PATHS.files, mode: 0o700 },
        { kind: 'mount-image', image: facts.id, storage: facts.storage, at: PATHS.source },
      ],
    ],
  };
}

function optional(stage: Stage | undefined): Stage[] {
  return stage ? [stage] : [];
}

export function partitionStage(disk: DiskLayout, raw: string): Stage {
  const links: Record<string, number> = { disk: 0 };
  for (const p of disk.partitions) if (p.filesystem) links[p.device] = p.number;
  // logical volumes are byte ranges of the image; the volume group's metadata comes last
  const volumes = (disk.volumeGroup?.volumes ?? []).map(
    (lv): Step => ({ kind: 'attach-region', path: raw, offsetBytes: lv.startBytes, sizeBytes: lv.sizeBytes, link: lv.device, linkDir: PATHS.dev }),
  );
  return {
    title: 'Partition the disk',
    lanes: [
      [
        { kind: 'create-disk', path: raw, sizeBytes: disk.sizeBytes },
        { kind: 'exec', in: 'builder', argv: ['sfdisk', '--quiet', raw], stdin: sfdiskScript(disk) },
        { kind: 'attach-disk', path: raw, links, linkDir: PATHS.dev },
        ...volumes,
      ],
    ],
  };
}

export function filesystemStage(disk: DiskLayout): Stage {
  const lanes = filesystems(disk).map((f): Step[] => [{ kind: 'exec', in: 'builder', argv: mkfs(f.filesystem, device(f.device)) }]);
  return { title: 'Create the filesystems', lanes };
}

/** Detach everything; then make the lvm partition a physical volume, written directly into
 * the image so that the build host never sees (or auto-activates) the volume group. */
export function releaseStage(disk: DiskLayout, raw: string): Stage {
  const vg = disk.volumeGroup;
  const pv = vg && disk.partitions.find((p) => p.number === vg.partition);
  const metadata: Step[] = vg && pv ? [{ kind: 'write-lvm-metadata', path: raw, offsetBytes: pv.startBytes, sizeBytes: pv.sizeBytes, volumeGroup: vg }] : [];
  return { title: 'Release the disk', lanes: [[{ kind: 'release' }, ...metadata]] };
}

/** Logical volumes need LVM in the initramfs (for /) and in the system (for the others). */
function checkLvmSupport(disk: DiskLayout, kernel: ReturnType<typeof validateImage>): void {
  if (!disk.volumeGroup) return;
  const modules = kernel.initramfsContents?.dracutModules ?? [];
  if (modules.length > 0 && !modules.includes('lvm')) {
    throw new UserError(
      'image-unsupported',
      `the initramfs of kernel ${kernel.version} cannot activate LVM volumes (no dracut lvm module): install lvm2 in the image and rebuild the initramfs, or use plain partitions`,
    );
  }
}

export function mkfs(fs: Filesystem, dev: string): string[] {
  const label = (flag: string) => (fs.label ? [flag, fs.label] : []);
  switch (fs.type) {
    case 'vfat':
      return ['mkfs.vfat', '-F', '32', ...label('-n'), '-i', fs.uuid.replace('-', ''), dev];
    case 'ext4':
      // Features every GRUB and e2fsck since Debian 11 / Ubuntu 22.04 understand.
      return ['mkfs.ext4', '-q', '-U', fs.uuid, ...label('-L'), '-O', '^orphan_file,^metadata_csum_seed', dev];
    case 'xfs':
      return ['mkfs.xfs', '-q', '-m', `uuid=${fs.uuid}`, ...label('-L'), dev];
    case 'btrfs':
      return ['mkfs.btrfs', '-q', '-U', fs.uuid, ...label('-L'), dev];
    case 'swap':
      return ['mkswap', '-U', fs.uuid, ...label('-L'), dev];
  }
}
