// Where a Debian bootc image keeps the programs and boot files the builder looks for (and,
// for boot files, copies): one table, so what inspection checks is what the plan uses.
import type { ToolFacts } from './facts.js';

export const TOOL_PATHS: Record<keyof ToolFacts, string> = {
  ostree: '/usr/bin/ostree',
  bootc: '/usr/bin/bootc',
  bootupctl: '/usr/bin/bootupctl',
  bootupdUpdates: '/usr/lib/bootupd/updates',
  efiPayload: '/usr/lib/efi',
  skopeo: '/usr/bin/skopeo',
  podman: '/usr/bin/podman',
  systemdTmpfiles: '/usr/bin/systemd-tmpfiles',
  systemdBoot: '/usr/lib/systemd/boot/efi/systemd-bootx64.efi',
  grubInstall: '/usr/sbin/grub-install',
  grubMkimage: '/usr/bin/grub-mkimage',
  grubBiosModules: '/usr/lib/grub/i386-pc/normal.mod',
  grubEfiModules: '/usr/lib/grub/x86_64-efi/normal.mod',
  grubEfiSigned: '/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed',
  shim: '/usr/lib/shim/shimx64.efi.signed',
  shimMokManager: '/usr/lib/shim/mmx64.efi.signed',
  grubCommonUnit: '/usr/lib/systemd/system/grub-common.service',
  grub2CommonUnit: '/usr/lib/systemd/system/grub2-common.service',
};
