// Access to images in containers-storage through podman: resolve a reference, read its
// metadata and layer directories, and mount it read-only for the build.
import { UserError } from '../errors.js';
import type { Runner } from '../run/runner.js';

/** The parts of `podman image inspect` output the builder uses. */
export interface StoredImage {
  id: string;
  digest?: string;
  names: string[];
  arch: string;
  os: string;
  sizeBytes: number;
  labels: Record<string, string>;
  /** overlay layer directories, topmost first */
  layerDirs: string[];
}

interface InspectJson {
  Id: string;
  Digest?: string;
  RepoTags?: string[] | null;
  Architecture?: string;
  Os?: string;
  Size?: number;
  VirtualSize?: number;
  Labels?: Record<string, string> | null;
  Config?: { Labels?: Record<string, string> | null };
  GraphDriver?: { Name?: string; Data?: { LowerDir?: string; UpperDir?: string } };
}

export class Podman {
  constructor(private readonly runner: Runner) {}

  async inspect(ref: string): Promise<StoredImage> {
    const result = await this.runner.run(['podman', 'image', 'inspect', ref], { okExitCodes: [0, 125] });
    if (result.exitCode !== 0) {
      throw new UserError(
        'image-not-found',
        `image ${ref} is not in the container storage; pull or build it first (podman pull ${ref}) and mount the storage with -v /var/lib/containers/storage:/var/lib/containers/storage`,
      );
    }
    const [json] = JSON.parse(result.stdout) as InspectJson[];
    if (!json) throw new Error(`podman image inspect ${ref} printed no image`);
    return toStoredImage(json);
  }

  /** Mounts the image read-only; returns the mount point. */
  async mount(id: string): Promise<string> {
    return (await this.runner.run(['podman', 'image', 'mount', id])).stdout.trim();
  }

  async unmount(id: string): Promise<void> {
    await this.runner.run(['podman', 'image', 'unmount', id]);
  }
}

export function toStoredImage(json: InspectJson): StoredImage {
  const driver = json.GraphDriver;
  if (driver?.Name !== 'overlay' || !driver.Data?.UpperDir) {
    throw new UserError(
      'environment',
      `the container storage uses the ${driver?.Name ?? 'unknown'} driver; deb-bootc-image-builder reads images from overlay storage (podman's default)`,
    );
  }
  const lower = driver.Data.LowerDir ? driver.Data.LowerDir.split(':') : [];
  return {
    id: json.Id,
    digest: json.Digest || undefined,
    names: json.RepoTags ?? [],
    arch: json.Architecture ?? 'unknown',
    os: json.Os ?? 'linux',
    sizeBytes: json.Size ?? json.VirtualSize ?? 0,
    labels: json.Labels ?? json.Config?.Labels ?? {},
    layerDirs: [driver.Data.UpperDir, ...lower],
  };
}
