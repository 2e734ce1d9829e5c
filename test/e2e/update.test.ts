// Updates as bootc makes them, lived through by the booted system: the disk of version 1
// boots, pulls version 2 of the image (built by the builder onto a second disk, handed to the
// guest read-only as /dev/vdb) from that disk's ostree repository into its own and stages it
// (`ostree admin deploy --stage`, what `bootc upgrade` and `bootc switch` do), then powers
// off: ostree-finalize-staged writes the deployment and the GRUB menu at shutdown. The next
// boot must run version 2 with version 1 as the rollback.
//
// Two images, each disk carrying a config: the trixie example (GRUB 2.12, composefs off) with
// every customization the builder supports (everything.toml), and an image shaped like the
// public Debian bootc images, built from sid (GRUB 2.14, composefs on, /var emptied, a
// read-only sysroot, kargs.d and an install config asking for xfs) with every customization
// a bootc system takes (shaped.toml). The first boot checks each customization inside the
// running system, the second that they survived the update; secrets never reach the build's
// log or manifest. The shaped image under BIOS and UEFI (shim and the signed GRUB), the trixie
// example under BIOS (and UEFI in test-full). The tests themselves: test/support/staged-update.ts.
import { describe } from 'vitest';
import { UPDATE_VARIANTS, stagedUpdateTests } from '../support/staged-update.js';

describe.each(UPDATE_VARIANTS)('staged update ($name): version 2 staged in the running system, finalized at shutdown', (variant) => {
  stagedUpdateTests(variant);
});
