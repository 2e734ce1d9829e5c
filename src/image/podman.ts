// podman, for what the builder does not do by reading storage itself: mounting an image for
// the build, and bringing images from registries, archives and Docker daemons into the
// builder's own store. Every call names its storage explicitly.
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import type { Runner } from '../run/runner.js';
import { DEFAULT_STORAGE } from './storage.js';

/** A containers-storage location: graph root and run root. */
export interface Storage {
  root: string;
  runroot?: string;
}

export interface PullOptions {
  authFile?: string;
  tlsVerify: boolean;
  /** each line podman prints while it works (progress) */
  onProgress?: (line: string) => void;
}

export class Podman {
  constructor(private readonly runner: Runner) {}

  /** podman's default storage needs no options (giving them trips podman's database check). */
  private global(storage: Storage): string[] {
    if (storage.root === DEFAULT_STORAGE && !storage.runroot) return ['podman'];
    return ['podman', '--root', storage.root, ...(storage.runroot ? ['--runroot', storage.runroot] : []), '--storage-driver', 'overlay'];
  }

  /** Mounts the image read-only; returns the mount point. */
  async mount(storage: Storage, id: string): Promise<string> {
    return (await this.runner.run([...this.global(storage), 'image', 'mount', id])).stdout.trim();
  }

  async unmount(storage: Storage, id: string): Promise<void> {
    await this.runner.run([...this.global(storage), 'image', 'unmount', id]);
  }

  /** Copies an image into `storage` (docker://, oci-archive:, oci:, docker-archive:); returns its ID. */
  async pull(storage: Storage, ref: string, options: PullOptions): Promise<string> {
    const argv = [
      ...this.global(storage),
      'pull',
      ...(options.authFile ? ['--authfile', options.authFile] : []),
      ...(options.tlsVerify ? [] : ['--tls-verify=false']),
      ref,
    ];
    const { stdout } = await this.runner.run(argv, { onStderrLine: options.onProgress });
    return lastLine(stdout);
  }

  /** Loads a docker-archive stream into `storage`; returns the loaded image's name or ID. */
  async load(storage: Storage, archive: Readable, onProgress?: (line: string) => void): Promise<string> {
    const { stdout } = await this.runner.run([...this.global(storage), 'load'], { stdin: archive, onStderrLine: onProgress });
    const loaded = /Loaded image(?:\(s\))?: *(\S+)/.exec(lastLine(stdout))?.[1];
    if (!loaded) throw new UserError('source-unavailable', `podman load read no image from the archive (it printed: ${lastLine(stdout) || 'nothing'}): check that the source holds a container image`);
    return loaded.split(',')[0] as string;
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}
