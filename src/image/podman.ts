// podman, for the one thing the builder cannot do by reading the storage itself: mount an
// image (read-only) for the build, with podman's bookkeeping of who has it mounted.
import type { Runner } from '../run/runner.js';

export class Podman {
  constructor(private readonly runner: Runner) {}

  /** Mounts the image read-only; returns the mount point. */
  async mount(id: string): Promise<string> {
    return (await this.runner.run(['podman', 'image', 'mount', id])).stdout.trim();
  }

  async unmount(id: string): Promise<void> {
    await this.runner.run(['podman', 'image', 'unmount', id]);
  }
}
