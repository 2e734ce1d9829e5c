// Running a command inside a root tree: the source image (bootc-image-builder uses the image
// as the buildroot, so the image's own ostree, GRUB and bootc do the work; bootc gets a
// writable overlay of it, as podman gives it a writable container root) or the new
// deployment (customizations use the deployment's own useradd, systemctl...; bootupd installs
// the bootloader from it). The command gets a private mount namespace with /dev, /sys, /tmp
// and /run; everything mounted there disappears with the process, whatever way it ends. Only
// the image root gets /proc unless a step asks: in the deployment, shadow's tools would see
// the build's own root processes and refuse to modify root ("user root is currently used by
// process ..."), as they do not without /proc.
import { PATHS } from '../plan/paths.js';
import type { Bind, Where } from '../plan/types.js';

// Every mountpoint is checked to resolve to itself on the builder's view (no symlink of the
// root's on the way), so nothing is ever mounted over a path outside the root.
const SCRIPT = `set -e
root=$1; run=$2; proc=$3; bootc=$4; nofreeze=$5; shift 5
at() {
  if [ "$(realpath -m -- "$root$1")" != "$root$1" ]; then
    echo "$1 is a symlink in the root or goes through one: refusing to mount there" >&2; exit 1
  fi
}
# bootc compares /run/udev with its pid 1's (the builder's init, in the builder container,
# whose /run has no udev) and bind-mounts it from there: it has to exist (mount.rs
# ensure_mirrored_host_mount, is_same_as_host)
if [ "$bootc" = 1 ] && [ ! -d /run/udev ]; then mkdir -p /run/udev; fi
at /run; mount -t tmpfs -o mode=0755 tmpfs "$root/run"
if [ -n "$run" ]; then mkdir -p "$root$run"; at "$run"; mount --rbind "$run" "$root$run"; fi
if [ "$proc" = 1 ]; then at /proc; mount -t proc proc "$root/proc"; fi
at /sys; mount --rbind /sys "$root/sys"
at /dev; mount --rbind /dev "$root/dev"
at /tmp; mount -t tmpfs tmpfs "$root/tmp"
if [ -n "$run" ] && [ -d "$root/var/tmp" ]; then at /var/tmp; mount -t tmpfs tmpfs "$root/var/tmp"; fi # the image is read-only
while [ "$1" != -- ]; do
  case "$3" in /run/*|/tmp/*) mkdir -p "$root$3" ;; esac
  at "$3"; mount "--$1" "$2" "$root$3"; shift 3
done
shift
# without CAP_SYS_ADMIN, FIFREEZE fails and ostree syncs /boot instead of freezing it: a
# freeze outlives a build killed in between (its watchdog dies with it), and a frozen
# filesystem keeps its loop device attached for good
if [ "$nofreeze" = 1 ]; then exec setpriv --bounding-set -sys_admin --inh-caps -sys_admin chroot "$root" "$@"; fi
exec chroot "$root" "$@"`;

export interface RootOptions {
  /** mount /proc (always for the image root) */
  proc?: boolean;
  /** host paths made visible inside the root; targets under /run and /tmp are created */
  binds?: readonly Bind[];
  /** run without CAP_SYS_ADMIN, so that no filesystem can be frozen (ostree admin deploy) */
  noFreeze?: boolean;
}

/**
 * The argv that runs `argv` chrooted into `root`. The image root also sees the build's RUN
 * directory (it reads the image tree and writes the new sysroot through it); the deployment
 * root only sees itself, its own /var and what `binds` adds.
 */
export function inRoot(root: Exclude<Where, 'builder'>, argv: readonly string[], options: RootOptions = {}): string[] {
  const [dir, run] = ROOTS[root];
  const proc = root !== 'deployment' || options.proc ? '1' : '0';
  const bootc = root === 'image-rw' ? '1' : '0';
  const binds = (options.binds ?? []).flatMap((b) => [b.recursive ? 'rbind' : 'bind', b.source, b.target]);
  const noFreeze = options.noFreeze ? '1' : '0';
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', SCRIPT, 'buildroot', dir, run, proc, bootc, noFreeze, ...binds, '--', ...argv];
}

/** Each root's directory, and the build directory it shares ('' for none). */
const ROOTS: Record<Exclude<Where, 'builder'>, [string, string]> = {
  image: [PATHS.source, PATHS.run],
  'image-rw': [PATHS.imageRw, PATHS.run],
  deployment: [PATHS.deployment, ''],
};
