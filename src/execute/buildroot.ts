// Running a command inside the source image, as bootc-image-builder uses the image as its
// buildroot: the image's own ostree and GRUB do the work, so their versions always match
// what the booted system will run. The command gets a private mount namespace (API
// filesystems, /tmp, /run and the build's RUN directory at the same path); everything
// mounted there disappears with the process, whatever way it ends.
import { PATHS } from '../plan/paths.js';

const SCRIPT = `set -e
root=$1; run=$2; shift 2
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mkdir -p "$root$run"
mount --rbind "$run" "$root$run"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
if [ -d "$root/var/tmp" ]; then mount -t tmpfs tmpfs "$root/var/tmp"; fi
exec chroot "$root" "$@"`;

/** The argv that runs `argv` inside the mounted image at PATHS.source. */
export function inImage(argv: readonly string[]): string[] {
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', SCRIPT, 'buildroot', PATHS.source, PATHS.run, ...argv];
}
