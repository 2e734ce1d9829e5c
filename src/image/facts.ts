// What inspection found out about a source image: the only input the planner needs from it.
// Plain data, so plans can be computed (and unit tested) without any image at hand.
import type { InitramfsFacts } from './initramfs.js';
import type { Storage } from './podman.js';
import type { ImageSource } from './transport.js';

export interface KernelFacts {
  version: string;
  /** /usr/lib/modules/$KVER/vmlinuz exists */
  vmlinuz: boolean;
  /** /usr/lib/modules/$KVER/initramfs.img exists */
  initramfs: boolean;
  /** what the initramfs contains, when there is one */
  initramfsContents?: InitramfsFacts;
}

/** Files and programs in the image that decide how it is deployed and booted. */
export interface ToolFacts {
  ostree: boolean;
  bootc: boolean;
  bootupctl: boolean;
  /** bootupd's payload, in its older (/usr/lib/bootupd/updates) or newer (/usr/lib/efi) place */
  bootupdUpdates: boolean;
  efiPayload: boolean;
  /** bootc reads containers-storage through skopeo */
  skopeo: boolean;
  /** bootc creates its container image store in the new root with podman */
  podman: boolean;
  /** creates what tmpfiles.d declares (the empty /var's directories) */
  systemdTmpfiles: boolean;
  /** systemd-boot's EFI binary (systemd-boot-efi) */
  systemdBoot: boolean;
  grubInstall: boolean;
  grubMkimage: boolean;
  /** GRUB modules for BIOS (grub-pc-bin) */
  grubBiosModules: boolean;
  /** GRUB modules for UEFI (grub-efi-amd64-bin) */
  grubEfiModules: boolean;
  /** Debian's signed GRUB EFI binary (grub-efi-amd64-signed) */
  grubEfiSigned: boolean;
  /** Debian's signed shim (shim-signed) */
  shim: boolean;
  /** shim's MokManager, which shim loads to enrol keys */
  shimMokManager: boolean;
  /** Debian's "Record successful boot for GRUB" unit (trixie: grub-common, sid: grub2-common),
   * which writes /boot/grub/grubenv at every boot */
  grubCommonUnit: boolean;
  grub2CommonUnit: boolean;
}

export interface DirMode {
  mode: number;
  uid: number;
  gid: number;
}

export interface LayoutFacts {
  /** target of the /ostree symlink, if it is one */
  ostreeLink?: string;
  sysrootDir: boolean;
  /** /usr/etc exists (it must not: the deployment's /usr/etc is made from /etc) */
  usrEtc: boolean;
  /** /var is a directory (ostree mounts the stateroot's /var on it; it may be empty) */
  varDir: boolean;
  /** of the directories the builder mounts on or reads through (/etc, /var, /proc...), those
   * that are not real directories in the image (a symlink there would lead outside it) */
  notDirectories: string[];
  /** mode and owner of /usr, reproduced on the staged /usr that carries /etc */
  usr: DirMode;
  /** non-empty directories whose content never goes into the commit (committed empty) */
  transient: Record<string, DirMode>;
}

/** What a path in the image is (symlinks followed inside the image), and how it got there. */
export interface PathFact {
  kind: 'missing' | 'file' | 'directory' | 'other';
  /** the first symlink on the way (the path itself or one of its parents) */
  link?: { at: string; target: string };
  /** with a link on the way: the path with its links resolved inside the image */
  canonical?: string;
  /** the directory it would be in does not exist (or is not a directory) */
  parentMissing?: boolean;
}

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

/** What the image offers that customizations are checked against. */
export interface SystemFacts {
  users: Account[];
  groups: GroupEntry[];
  /** from /etc/shells */
  shells: string[];
  /** generated locales (/usr/lib/locale and locale-archive), normalized like "de_DE.utf8" */
  locales: string[];
  /** XKB layouts (xkb-data), which console-setup turns into the console keymap */
  xkbLayouts: string[];
  /** /etc/default/keyboard: Debian's keyboard settings (keyboard-configuration) */
  keyboardDefaults?: string;
  /** answers to the existence questions the config asked (paths inside the image) */
  probes: Record<string, boolean>;
  /** answers to the shape questions the config asked: symlinks on the way, what is there */
  paths: Record<string, PathFact>;
  /** /usr/lib/bootc-image-builder/config.{toml,json} */
  bakedConfig?: { path: string; text: string };
}

/** What it takes to store the image as bootc's ostree-ext does: one commit per layer, a
 * merge commit carrying manifest and config. Absent when the storage lacks any of it. */
export interface OstreeExtSource {
  /** sha256 of the (per-platform) manifest as stored: what bootc reads as the image's digest */
  manifestDigest: string;
  /** manifest and config in the form ostree-ext stores them (OCI, canonical JSON) */
  manifest: string;
  config: string;
  /** bottom layer first: the manifest's descriptor digest and where the layer's tar comes from */
  layers: { digest: string; size: number; tarSplit: string; dir: string }[];
  /** the image's creation time (the merge commit's timestamp), seconds since the epoch */
  created?: number;
}

export interface ImageFacts {
  /** the reference exactly as the user gave it */
  ref: string;
  /** where the image came from (transport and name or path) */
  source: ImageSource;
  /** the containers-storage the image is read from */
  storage: Storage;
  /** image ID (sha256 of the config) */
  id: string;
  /** manifest digest, when the storage knows one */
  digest?: string;
  ostreeExt?: OstreeExtSource;
  names: string[];
  /** the stored, fully qualified name the reference matched */
  name?: string;
  /** OCI architecture name, e.g. amd64 */
  arch: string;
  sizeBytes: number;
  labels: Record<string, string>;
  osRelease: Record<string, string>;
  kernels: KernelFacts[];
  tools: ToolFacts;
  /** shim, signed GRUB and MokManager: their real paths in the image, every link resolved
   * inside it (what is copied onto the ESP from outside the image) */
  bootFiles: Partial<Record<'shim' | 'grubEfiSigned' | 'shimMokManager', string>>;
  layout: LayoutFacts;
  /** versions of the packages that matter, from the image's dpkg database (none when the
   * image ships an empty /var, as bootc asks: the database lives in /var/lib/dpkg) */
  packages: Record<string, string>;
  /** the image's ostree version: from dpkg, else the version string in /usr/bin/ostree */
  ostreeVersion?: string;
  /** kernel arguments from /usr/lib/bootc/kargs.d and the bootc install config, in order */
  kargs: string[];
  /** [install.filesystem.root] type from /usr/lib/bootc/install/*.toml */
  rootfsType?: string;
  /** the install config file that set rootfsType */
  rootfsTypeFrom?: string;
  /** the rest of the bootc install config that decides where and how the image is deployed */
  installConfig: { stateroot?: string; rootMountSpec?: string; bootMountSpec?: string };
  /** /usr/lib/ostree/prepare-root.conf */
  prepareRoot: { composefs?: string; sysrootReadonly: boolean };
  system: SystemFacts;
}
