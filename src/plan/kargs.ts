// Kernel command line of the deployment, in bootc's order: the root filesystem, the
// defaults bootc-image-builder adds, then the image's own kargs (install config, kargs.d).

/** What bootc-image-builder adds unless --no-default-kernel-args is given. */
export const DEFAULT_KARGS = ['rw', 'console=tty0', 'console=ttyS0'];

export interface KargsInput {
  rootUuid: string;
  /** btrfs root: the subvolume mounted as / */
  rootSubvolume?: string;
  imageKargs: string[];
  noDefaults?: boolean;
}

export function planKargs(input: KargsInput): string[] {
  return [`root=UUID=${input.rootUuid}`, ...builderKargs(input), ...input.imageKargs];
}

/** What the builder adds besides root= and the image's own kargs (bootc adds those itself). */
export function builderKargs(input: Pick<KargsInput, 'rootSubvolume' | 'noDefaults'>): string[] {
  return [...(input.rootSubvolume ? [`rootflags=subvol=${input.rootSubvolume}`] : []), ...(input.noDefaults ? [] : DEFAULT_KARGS)];
}

/** Whether the kernel (and so GRUB) should talk to the first serial port. */
export function usesSerialConsole(kargs: string[]): boolean {
  return kargs.some((k) => k === 'console=ttyS0' || k.startsWith('console=ttyS0,'));
}
