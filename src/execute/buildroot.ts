// Running a command inside a root tree: the source image (bootc-image-builder uses the image
// as the buildroot, so the image's own ostree and GRUB do the work) or the new deployment
// (customizations use the deployment's own useradd, systemctl...). The command gets a
// private mount namespace with /dev, /sys, /tmp and /run; everything mounted there
// disappears with the process, whatever way it ends. Only the image root gets /proc: in the
// deployment, shadow's tools would see the build's own root processes and refuse to modify
// root ("user root is currently used by process ..."), as they do not without /proc.
import { PATHS } from '../plan/paths.js';

const SCRIPT = `set -e
root=$1; run=$2; shift 2
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
if [ -n "$run" ]; then mkdir -p "$root$run"; mount --rbind "$run" "$root$run"; fi
if [ -n "$run" ]; then mount -t proc proc "$root/proc"; fi
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
if [ -n "$run" ] && [ -d "$root/var/tmp" ]; then mount -t tmpfs tmpfs "$root/var/tmp"; fi # the image is read-only
exec chroot "$root" "$@"`;

/**
 * The argv that runs `argv` chrooted into `root`. The image root also sees the build's RUN
 * directory (it reads the image tree and writes the new sysroot through it); the deployment
 * root only sees itself and its own /var.
 */
export function inRoot(root: 'image' | 'deployment', argv: readonly string[]): string[] {
  const [dir, run] = root === 'image' ? [PATHS.source, PATHS.run] : [PATHS.deployment, ''];
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', SCRIPT, 'buildroot', dir, run, ...argv];
}
