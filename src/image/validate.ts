// Checks that an inspected image can become a bootable disk, before any disk work starts.
// Each failure says what is wrong with the image and how to fix it in its Containerfile.
import { type ErrorId, UserError } from '../errors.js';
import type { ImageFacts, KernelFacts } from './facts.js';

export function isBootcImage(facts: ImageFacts): boolean {
  return facts.labels['containers.bootc'] === '1' || facts.labels['ostree.bootable'] === '1';
}

/** The one kernel of a valid image; throws a UserError describing the first problem found. */
export function validateImage(facts: ImageFacts): KernelFacts {
  const fail = (id: ErrorId, message: string): never => {
    throw new UserError(id, `${facts.ref}: ${message}`);
  };
  if (!isBootcImage(facts)) {
    fail('not-bootc', 'not a bootc image (no containers.bootc=1 label); build it FROM a bootc base image or add LABEL containers.bootc=1 to its Containerfile');
  }
  const kernels = facts.kernels.filter((k) => k.vmlinuz);
  if (kernels.length === 0) {
    fail('no-kernel', 'no kernel found: install one and copy it to /usr/lib/modules/$KVER/vmlinuz');
  }
  if (kernels.length > 1) {
    fail('several-kernels', `more than one kernel (${kernels.map((k) => k.version).join(', ')}); a bootc image must have exactly one under /usr/lib/modules`);
  }
  const kernel = kernels[0] as KernelFacts;
  if (!kernel.initramfs) {
    fail('no-initramfs', `no initramfs for kernel ${kernel.version}: build one with dracut into /usr/lib/modules/${kernel.version}/initramfs.img`);
  }
  const contents = kernel.initramfsContents;
  if (contents && !contents.ostreePrepareRoot) {
    fail(
      'initramfs-without-ostree',
      `the initramfs of kernel ${kernel.version} has no ostree support (no ostree-prepare-root): install ostree-boot and rebuild it with dracut --add ostree`,
    );
  }
  if (!facts.tools.ostree) {
    fail('image-unsupported', 'the image has no ostree (/usr/bin/ostree): install the ostree and ostree-boot packages');
  }
  if (!facts.layout.sysrootDir) {
    fail('ostree-layout', 'no /sysroot directory (ostree mounts the physical root there): add RUN mkdir /sysroot');
  }
  if (facts.layout.ostreeLink !== 'sysroot/ostree') {
    fail('ostree-layout', '/ostree must be a symlink to sysroot/ostree: add RUN rm -rf /ostree && ln -s sysroot/ostree /ostree');
  }
  if (facts.layout.usrEtc) {
    fail('ostree-layout', 'the image has /usr/etc; ship configuration in /etc only (the deployment makes /usr/etc from it)');
  }
  return kernel;
}
