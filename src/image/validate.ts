// Checks that an inspected image can become a bootable disk, before any disk work starts.
// Each failure says what is wrong with the image and how to fix it in its Containerfile.
import { type ErrorId, UserError } from '../errors.js';
import type { Installer } from '../plan/installer.js';
import type { ImageFacts, KernelFacts } from './facts.js';

/** composefs turned on in prepare-root.conf ("maybe" only uses it where it can). */
export function composefsEnabled(facts: ImageFacts): boolean {
  const value = facts.prepareRoot.composefs?.toLowerCase();
  return value !== undefined && ['yes', 'true', '1', 'verity', 'signed'].includes(value);
}

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
  const notDirectory = facts.layout.notDirectories[0];
  if (notDirectory) {
    fail(
      'ostree-layout',
      `${notDirectory} is not a directory in the image (a symlink there would make the build read or mount outside the image): make it a real directory in the Containerfile`,
    );
  }
  if (!facts.layout.varDir) {
    fail('ostree-layout', 'no /var directory (ostree mounts the persistent /var there; it may be empty): add RUN mkdir -p /var');
  }
  if (facts.layout.usrEtc) {
    fail('ostree-layout', 'the image has /usr/etc; ship configuration in /etc only (the deployment makes /usr/etc from it)');
  }
  return kernel;
}

/**
 * What only some installers can deal with. An ostree-native image's layers carry ostree's own
 * objects, which bootc imports and this builder's layer commits cannot; ostree's composefs
 * needs an ostree-prepare-root built with it (bootc's composefs backend brings its own).
 */
export function validateForInstaller(facts: ImageFacts, kernel: KernelFacts, installer: Installer): void {
  const fail = (message: string): never => {
    throw new UserError('image-unsupported', `${facts.ref}: ${message}`);
  };
  const contents = kernel.initramfsContents;
  const ostreeBackend = installer.kind !== 'bootc' || installer.backend === 'ostree';
  if (ostreeBackend && composefsEnabled(facts) && contents && !contents.composefs) {
    fail(
      `prepare-root.conf enables composefs, but the initramfs of kernel ${kernel.version} has an ostree-prepare-root without composefs support (no libcomposefs), so the disk would not boot: set [composefs] enabled = no, or use an ostree built with composefs (Debian: 2025.3 or later) and rebuild the initramfs`,
    );
  }
  if (installer.kind !== 'bootc' && facts.labels['ostree.final-diffid']) {
    fail(
      "an ostree-native (rechunked) image: its layers carry ostree's own objects (label ostree.final-diffid), which only bootc imports; install bootc, podman and skopeo in the image so that its own bootc installs it, or build the image without rechunking",
    );
  }
}
