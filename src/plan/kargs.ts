// Kernel command line of the deployment, assembled as `bootc install to-filesystem` does it
// (crates/lib/src/install.rs: install_to_filesystem, install_container): root= and, for a
// btrfs subvolume, rootflags=; rw; boot= (the initramfs's FIPS check reads it); the image's
// install config kargs and kargs.d; then the command line's --karg values, which for
// bootc-image-builder are its defaults and the user's kernel.append. Like bootc's Cmdline,
// an argument already present is not added twice.

/**
 * Kernel arguments of a command line, split as the kernel splits it (lib/cmdline.c): at
 * whitespace outside double quotes, so `foo="bar baz"` stays one argument, quotes kept.
 * Returns undefined when a double quote is left open.
 */
export function splitKargs(text: string): string[] | undefined {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (!quoted && /\s/.test(c)) {
      if (current) args.push(current);
      current = '';
    } else current += c;
  }
  if (quoted) return undefined;
  if (current) args.push(current);
  return args;
}

/** What bootc-image-builder adds unless --no-default-kernel-args is given. */
export const DEFAULT_KARGS = ['rw', 'console=tty0', 'console=ttyS0'];

export interface KargsInput {
  rootUuid: string;
  bootUuid: string;
  /** btrfs root: the subvolume mounted as / */
  rootSubvolume?: string;
  /** the image's install config root-mount-spec and boot-mount-spec ('' leaves the karg out) */
  rootMountSpec?: string;
  bootMountSpec?: string;
  /** install config kargs, then kargs.d */
  imageKargs: string[];
  noDefaults?: boolean;
  /** customizations.kernel.append */
  extra: string[];
}

export function planKargs(input: KargsInput): string[] {
  const root = input.rootMountSpec ?? `UUID=${input.rootUuid}`;
  const boot = input.bootMountSpec ?? `UUID=${input.bootUuid}`;
  const rootflags = input.rootMountSpec === undefined && input.rootSubvolume ? [`rootflags=subvol=${input.rootSubvolume}`] : [];
  return unique([
    ...(root ? [`root=${root}`] : []),
    ...rootflags,
    'rw',
    ...(boot ? [`boot=${boot}`] : []),
    ...input.imageKargs,
    ...commandLineKargs(input),
  ]);
}

/** What bootc gets as --karg: the builder's defaults and the user's (bootc adds the rest). */
export function commandLineKargs(input: Pick<KargsInput, 'noDefaults' | 'extra'>): string[] {
  return unique([...(input.noDefaults ? [] : DEFAULT_KARGS), ...input.extra]);
}

/** Whether the kernel (and so GRUB) should talk to the first serial port. */
export function usesSerialConsole(kargs: string[]): boolean {
  return kargs.some((k) => k === 'console=ttyS0' || k.startsWith('console=ttyS0,'));
}

function unique(kargs: string[]): string[] {
  return [...new Set(kargs)];
}
