// The build plan: every size, UUID, path and command decided before anything runs. The
// `manifest` command prints it; the executor carries it out step by step.
import type { Installer } from './installer.js';

/** Where a command runs: with the builder's tools, inside the source image (its own ostree
 * and GRUB, as bootc-image-builder uses the image as the buildroot), inside a writable
 * throw-away overlay of it (for the image's bootc, which writes to its own root, as in the
 * container podman gives it), or in the new deployment. */
export type Where = 'builder' | 'image' | 'image-rw' | 'deployment';

export type Step =
  | { kind: 'scratch-dir'; path: string }
  | { kind: 'mount-image'; image: string; storage: { root: string; runroot?: string }; at: string }
  | { kind: 'create-disk'; path: string; sizeBytes: number }
  | { kind: 'attach-disk'; path: string; links: Record<string, number>; linkDir: string }
  | { kind: 'attach-region'; path: string; offsetBytes: number; sizeBytes: number; link: string; linkDir: string }
  | { kind: 'write-lvm-metadata'; path: string; offsetBytes: number; sizeBytes: number; volumeGroup: VolumeGroup }
  /** in a root other than the builder: `proc` mounts /proc (deployment), `binds` adds host paths */
  /** noFreeze: without CAP_SYS_ADMIN, so the command cannot freeze a filesystem (see buildroot.ts) */
  /** progress: the command reports its progress as qemu-img -p does ("(45.00/100%)"), under that task name */
  | { kind: 'exec'; in: Where; argv: string[]; stdin?: string; env?: Record<string, string>; proc?: boolean; binds?: Bind[]; noFreeze?: boolean; progress?: StepProgress }
  /** writes the layer's tar (rebuilt from storage, filtered as ostree-ext imports it) to `tar`, runs argv in the image, removes `tar` */
  | { kind: 'commit-layer'; argv: string[]; tar: string; tarSplit: string; dir: string; retainVar: boolean }
  | { kind: 'mount'; source: string; target: string; options?: string[] }
  /** an overlay of `lower` at `at`, its writable layer on a tmpfs at `scratch` (discarded) */
  | { kind: 'mount-overlay'; lower: string; scratch: string; at: string }
  | { kind: 'unmount'; target: string }
  | { kind: 'mount-deployment'; sysroot: string; stateroot: string; at: string }
  | { kind: 'mkdir'; path: string; mode: number; uid?: number; gid?: number }
  | { kind: 'write-file'; path: string; content: string; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  /** a file of the deployment written (or, with append, added to) */
  | { kind: 'deployment-file'; sysroot: string; stateroot: string; path: string; content: string; mode: number; append?: boolean }
  | { kind: 'release' }
  | { kind: 'checksum'; path: string }
  | { kind: 'write-ova'; vmdk: string; partial: string; dir: string; name: string; virtualSizeBytes: number }
  | { kind: 'publish'; types: ImageType[]; from: string; to: string }
  | { kind: 'write-manifest'; path: string }
  | { kind: 'write-checksums'; path: string }
  | { kind: 'write-build-record'; path: string };

export type StepKind = Step['kind'];

/** A host path bind-mounted into a command's root (private to that command). */
export interface Bind {
  source: string;
  /** path inside the root */
  target: string;
  /** with the mounts below source */
  recursive?: boolean;
}

/** How an exec step's progress is known: qemu-img -p's percentages on its stdout, or how far
 * the command has read a file of that name (tar reading the raw disk). */
export type StepProgress = { task: string; format: 'qemu-img' } | { task: string; format: 'reads'; file: string };

/** A named phase. Lanes run concurrently; the steps of one lane run in order. */
export interface Stage {
  title: string;
  lanes: Step[][];
  /** the stage writes about `bytes` into the filesystem at `path`: its progress is how much
   * that filesystem's used space grew (ostree's commits say nothing while they run) */
  fill?: { task: string; path: string; bytes: number };
  /** its steps report how many of `bytes` they have processed (commit-layer: tar bytes read) */
  measured?: { task: string; bytes: number };
}

export type PartitionRole = 'bios-boot' | 'esp' | 'boot' | 'root' | 'extra' | 'lvm';

export interface Filesystem {
  type: 'vfat' | 'ext4' | 'xfs' | 'btrfs' | 'swap';
  label?: string;
  uuid: string;
  /** absent for swap */
  mountpoint?: string;
  /** btrfs root: subvolumes to create, each mounted at its mountpoint (one at "/") */
  subvolumes?: { name: string; mountpoint: string }[];
}

export interface Partition {
  number: number;
  role: PartitionRole;
  /** name of its device link in PATHS.dev */
  device: string;
  name: string;
  typeGuid: string;
  uuid: string;
  startBytes: number;
  sizeBytes: number;
  filesystem?: Filesystem;
}

/** A logical volume: a linear run of extents of the one physical volume. */
export interface LogicalVolume {
  name: string;
  /** LVM id, 6-4-4-4-4-4-6 characters */
  id: string;
  role: 'root' | 'extra';
  /** name of its device link in PATHS.dev (an offset loop device over its bytes) */
  device: string;
  startExtent: number;
  extents: number;
  /** where its bytes are in the disk image */
  startBytes: number;
  sizeBytes: number;
  filesystem: Filesystem;
}

/** The volume group on the partition with role 'lvm' (its only physical volume). */
export interface VolumeGroup {
  name: string;
  id: string;
  pvId: string;
  /** number of the partition that is the physical volume */
  partition: number;
  extentBytes: number;
  /** where the first extent starts in the physical volume (label and metadata before it) */
  peStartBytes: number;
  volumes: LogicalVolume[];
}

export interface DiskLayout {
  sizeBytes: number;
  table: 'gpt';
  uuid: string;
  partitions: Partition[];
  volumeGroup?: VolumeGroup;
}

export interface Output {
  type: ImageType;
  /** path relative to the output directory, as bootc-image-builder lays it out */
  path: string;
}

export const IMAGE_TYPES = ['qcow2', 'raw', 'vmdk', 'vdi', 'vhd', 'ami', 'gce', 'ova'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export const VMDK_SUBFORMATS = ['streamOptimized', 'monolithicSparse'] as const;
export type VmdkSubformat = (typeof VMDK_SUBFORMATS)[number];

/** How the artifacts are written. */
export interface ExportOptions {
  /** compressed qcow2 clusters (smaller file, slower to write, read-only-compressed) */
  qcow2Compressed: boolean;
  vmdkSubformat: VmdkSubformat;
  /** --chown: owner of everything the build writes in the output directory */
  owner?: { uid: number; gid: number };
}

export interface Plan {
  planVersion: 1;
  builderVersion: string;
  image: { ref: string; id: string; digest?: string; arch: string; os: string; kernel: string; storage: string };
  disk: DiskLayout;
  deployment: {
    stateroot: string;
    ostreeRef: string;
    origin: string;
    kargs: string[];
    /** who fills the stateroot's /var: ostree itself (>= 2024.3), the builder, or bootc */
    varSeed: 'ostree' | 'builder' | 'bootc';
    /** sysroot.bootloader written at the end: grub2 where this builder installed GRUB (ostree
     * then runs the menu generator on updates), none where bootupd or bootc own the bootloader */
    bootloaderBackend: 'grub2' | 'none';
  };
  bootloader: { bios: boolean; uefi: 'shim' | 'grub' | false };
  /** who deploys the image and installs the bootloader, and why */
  installer: Installer;
  outputs: Output[];
  exportOptions: ExportOptions;
  /** free space the build needs at `path` (checked before it starts) */
  space: { path: string; bytes: number };
  /** things the user should know before relying on the result */
  warnings: string[];
  /** what the booted system must show (`verify`): mountpoints, the config's users */
  expected: { mounts: string[]; users: string[] };
  stages: Stage[];
}
