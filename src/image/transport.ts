// Image references with transports, spelled as containers/image spells them. A reference
// without a transport is looked up in local storage first, then pulled from its registry.
import { UserError } from '../errors.js';
import { checkReference } from './reference.js';

export type Transport = 'containers-storage' | 'docker' | 'docker-daemon' | 'oci-archive' | 'oci' | 'docker-archive';

/** Where the user's image comes from. */
export type ImageSource =
  | { kind: 'local'; input: string; name: string }
  | { kind: 'containers-storage' | 'docker' | 'docker-daemon'; input: string; name: string }
  | { kind: 'oci-archive' | 'oci' | 'docker-archive'; input: string; path: string; reference?: string };

const PATH_TRANSPORTS = ['oci-archive', 'oci', 'docker-archive'] as const;

export function parseImageRef(input: string): ImageSource {
  if (input.trim() === '' || /\s/.test(input)) throw new UserError('usage', `"${input}" is not an image reference`);
  const colon = input.indexOf(':');
  const prefix = colon > 0 ? input.slice(0, colon) : '';
  const rest = input.slice(colon + 1);
  const needName = (name: string): string => {
    if (name === '') throw new UserError('usage', `${input}: the reference names no image`);
    return name;
  };
  const imageName = (name: string): string => {
    checkReference(needName(name), input);
    return name;
  };
  switch (prefix) {
    case 'containers-storage':
      if (rest.startsWith('[')) throw new UserError('usage', `${input}: storage specifiers ([driver@root]) are not supported; mount the storage at /var/lib/containers/storage`);
      return { kind: 'containers-storage', input, name: imageName(rest) };
    case 'docker':
      if (!rest.startsWith('//')) throw new UserError('usage', `${input}: registry references are written docker://NAME`);
      return { kind: 'docker', input, name: imageName(rest.slice(2)) };
    case 'registry':
      return { kind: 'docker', input, name: imageName(rest) };
    case 'docker-daemon':
      return { kind: 'docker-daemon', input, name: imageName(rest) };
    case 'oci-archive':
    case 'oci':
    case 'docker-archive': {
      // PATH[:REFERENCE]: the path ends at the first colon, as in containers/image
      const at = rest.indexOf(':');
      const path = needName(at >= 0 ? rest.slice(0, at) : rest);
      const reference = at >= 0 ? rest.slice(at + 1) || undefined : undefined;
      return { kind: prefix, input, path, ...(reference ? { reference } : {}) };
    }
    case 'dir':
    case 'ostree':
    case 'sif':
    case 'tarball':
      throw new UserError('usage', `${input}: the ${prefix}: transport is not supported; use containers-storage:, docker://, docker-daemon:, oci:, oci-archive: or docker-archive:`);
    default:
      return { kind: 'local', input, name: imageName(input) };
  }
}

export function isPathSource(source: ImageSource): source is Extract<ImageSource, { path: string }> {
  return (PATH_TRANSPORTS as readonly string[]).includes(source.kind);
}

/** The reference in containers/image syntax, for podman (pull, load). */
export function transportRef(source: ImageSource): string {
  switch (source.kind) {
    case 'local':
    case 'docker':
      return `docker://${source.name}`;
    case 'containers-storage':
    case 'docker-daemon':
      return `${source.kind}:${source.name}`;
    default:
      return `${source.kind}:${source.path}${source.reference ? `:${source.reference}` : ''}`;
  }
}
