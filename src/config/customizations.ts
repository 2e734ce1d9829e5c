// Customizations after validation: checked, normalized (sizes in bytes, modes as numbers,
// sshkey merged into users) and free of secrets, which travel separately (secrets.ts) so
// that nothing printed or logged can contain them. Each entry keeps the key path it came
// from, so checks against the image can still point at the config line.
import type { KeyPath } from './source.js';

export type PasswordKind = 'hash' | 'plain' | 'locked';

export interface UserSpec {
  name: string;
  at: KeyPath;
  description?: string;
  /** the value itself is the secret user.NAME.password */
  password?: PasswordKind;
  /** the keys themselves are the secret user.NAME.key */
  key?: boolean;
  home?: string;
  shell?: string;
  groups: string[];
  uid?: number;
  gid?: number;
  expiredate?: number;
  forcePasswordReset: boolean;
}

export interface GroupSpec {
  name: string;
  gid?: number;
  at: KeyPath;
}

export type PartitionFs = 'ext4' | 'xfs' | 'vfat' | 'swap' | 'none';

/** An extra partition: a /var/* filesystem, swap, or space left unformatted. */
export interface ExtraPartition {
  mountpoint?: string;
  fsType: PartitionFs;
  minBytes: number;
  label?: string;
  partLabel?: string;
  partType?: string;
  partUuid?: string;
  at: KeyPath;
}

/** A btrfs subvolume of the root filesystem, mounted at / or under /var. */
export interface SubvolumeSpec {
  name: string;
  mountpoint: string;
  at: KeyPath;
}

/** The root filesystem as the disk layout defines it (a plain "/" partition or a btrfs
 * partition holding a "/" subvolume); absent: --rootfs or the image decide. */
export interface RootSpec {
  fsType: 'ext4' | 'xfs' | 'btrfs';
  /** "/" is a logical volume of volumeGroup */
  onLvm?: boolean;
  /** btrfs only: the subvolumes, the one at "/" included */
  subvolumes: SubvolumeSpec[];
  at: KeyPath;
}

/** A logical volume asked for in the disk layout. */
export interface VolumeSpec {
  name: string;
  mountpoint?: string;
  fsType: 'ext4' | 'xfs' | 'swap';
  label?: string;
  minBytes: number;
  at: KeyPath;
}

/** The lvm partition: one volume group on one physical volume. */
export interface VolumeGroupSpec {
  name: string;
  minBytes: number;
  volumes: VolumeSpec[];
  at: KeyPath;
}

export interface NodeSpec {
  path: string;
  mode: number;
  user: string | number;
  group: string | number;
  at: KeyPath;
}

export interface Customizations {
  /** where the customizations stand in the config (["customizations"] or under "blueprint") */
  base: KeyPath;
  hostname?: string;
  /** kernel arguments from kernel.append, one per word */
  kargs: string[];
  groups: GroupSpec[];
  users: UserSpec[];
  timezone?: { zone?: string; ntpServers: string[] };
  locale?: { language?: string; keyboard?: string; at: KeyPath };
  services: { enabled: string[]; disabled: string[]; masked: string[] };
  sizes: { root?: number; boot?: number; esp?: number; disk?: number };
  partitions: ExtraPartition[];
  root?: RootSpec;
  volumeGroup?: VolumeGroupSpec;
  /** contents are the secrets file.INDEX.data (files often hold tokens) */
  files: NodeSpec[];
  directories: (NodeSpec & { ensureParents: boolean })[];
}

export const NO_CUSTOMIZATIONS: Customizations = {
  base: ['customizations'],
  kargs: [],
  groups: [],
  users: [],
  services: { enabled: [], disabled: [], masked: [] },
  sizes: {},
  partitions: [],
  files: [],
  directories: [],
};
