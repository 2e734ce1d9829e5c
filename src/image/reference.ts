// How an image reference the user typed matches names in containers-storage, following
// podman's rules for local lookups: a missing tag means :latest, a name without a registry
// is looked for under localhost/ and docker.io/ (docker.io/library/ for single names), and
// a bare hex string may be an image ID or a prefix of one (3 to 64 digits; names it could
// also be come first, as in podman).

import { UserError } from '../errors.js';

/** An ID prefix falls back to the ID only after the names it could also be (podman's order). */
export type ImageMatcher =
  | { kind: 'id'; prefix: string; names?: string[] }
  | { kind: 'names'; names: string[] }
  | { kind: 'digest'; repositories: string[]; digest: string };

export function imageMatcher(ref: string): ImageMatcher {
  const digestId = /^sha256:([0-9a-f]{3,64})$/.exec(ref);
  if (digestId) return { kind: 'id', prefix: digestId[1] as string };
  if (/^[0-9a-f]{64}$/.test(ref)) return { kind: 'id', prefix: ref };
  if (/^[0-9a-f]{3,63}$/.test(ref)) return { kind: 'id', prefix: ref, names: qualify(ref).map((r) => `${r}:latest`) };
  const [name, digest] = ref.split('@') as [string, string | undefined];
  const lastSlash = name.lastIndexOf('/');
  const tagAt = name.indexOf(':', lastSlash + 1);
  const repository = tagAt >= 0 ? name.slice(0, tagAt) : name;
  const tag = tagAt >= 0 ? name.slice(tagAt + 1) : undefined;
  const repositories = qualify(repository);
  if (digest) return { kind: 'digest', repositories, digest };
  return { kind: 'names', names: repositories.map((r) => `${r}:${tag ?? 'latest'}`) };
}

/** A reference that can only be an image ID (a full one, or sha256:HEX): never a name to pull. */
export function isImageId(ref: string): boolean {
  const matcher = imageMatcher(ref);
  return matcher.kind === 'id' && matcher.names === undefined;
}

// The docker reference grammar (distribution/reference), which podman enforces.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)(?::[0-9]+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX = 255;

/**
 * Refuses what podman would refuse as a reference (`shown` is what the user typed, with any
 * transport), so that a typo or a path is a usage error, not a registry pull.
 */
export function checkReference(ref: string, shown = ref): void {
  const problem = referenceProblem(ref);
  if (problem) throw new UserError('usage', `${shown} is not a valid image reference: ${problem}`);
}

function referenceProblem(ref: string): string | undefined {
  const at = ref.indexOf('@');
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  if (digest !== undefined && !DIGEST.test(digest)) return `the digest ${digest} is not ALGORITHM:HEX, e.g. @sha256: and 64 hex digits`;
  const lastSlash = named.lastIndexOf('/');
  const tagAt = named.indexOf(':', lastSlash + 1);
  const name = tagAt >= 0 ? named.slice(0, tagAt) : named;
  const tag = tagAt >= 0 ? named.slice(tagAt + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return `the tag ${tag || '(empty)'} is not valid: a tag is up to 128 letters, digits, _, . and -, not starting with . or -`;
  if (name.length > NAME_MAX) return `the name is longer than ${NAME_MAX} characters`;
  const components = name.split('/');
  const first = components[0] as string;
  const hasDomain = components.length > 1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  const path = hasDomain ? components.slice(1) : components;
  const domainOk = !hasDomain || DOMAIN.test(first);
  if (domainOk && path.every((c) => PATH_COMPONENT.test(c))) return undefined;
  if (domainOk && path.every((c) => PATH_COMPONENT.test(c.toLowerCase()))) {
    const lower = [...(hasDomain ? [first] : []), ...path.map((c) => c.toLowerCase())].join('/');
    return `image names must be lower case: use ${lower}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  }
  return 'names are lower-case letters and digits, separated by ., _, - or /, after an optional HOST[:PORT]/ (an image archive or directory needs its transport, e.g. oci-archive:PATH or oci:PATH)';
}

/** Whether a reference names its registry (and so needs no short-name resolution). */
export function isQualified(ref: string): boolean {
  const first = ref.split('/')[0] as string;
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/** Fully qualified repository names that a possibly short repository name can stand for. */
function qualify(repository: string): string[] {
  const first = repository.split('/')[0] as string;
  if (isQualified(repository)) {
    const path = repository.slice(first.length + 1);
    return first === 'docker.io' && !path.includes('/') ? [`docker.io/library/${path}`] : [repository];
  }
  const dockerHub = repository.includes('/') ? `docker.io/${repository}` : `docker.io/library/${repository}`;
  return [`localhost/${repository}`, dockerHub];
}

export interface NamedImage {
  id: string;
  names?: string[];
  digest?: string;
}

/** The stored name a matcher matched (the first of the image's names for ID matches). */
export function matchedName(image: NamedImage, matcher: ImageMatcher): string | undefined {
  if (matcher.kind === 'names') return matcher.names.find((n) => image.names?.includes(n));
  if (matcher.kind === 'digest') return image.names?.find((n) => matcher.repositories.some((r) => n.startsWith(`${r}:`)));
  return matcher.names?.find((n) => image.names?.includes(n)) ?? image.names?.[0];
}

/** The images a matcher selects (several only for ambiguous ID prefixes). */
export function matchImages<T extends NamedImage>(images: T[], matcher: ImageMatcher): T[] {
  switch (matcher.kind) {
    case 'id': {
      const named = matcher.names?.map((name) => images.filter((i) => i.names?.includes(name))).find((found) => found.length > 0);
      return named ?? images.filter((i) => i.id.startsWith(matcher.prefix));
    }
    case 'names':
      for (const name of matcher.names) {
        const found = images.filter((i) => i.names?.includes(name));
        if (found.length > 0) return found;
      }
      return [];
    case 'digest':
      return images.filter(
        (i) => i.digest === matcher.digest && matcher.repositories.some((r) => i.names?.some((n) => n.startsWith(`${r}:`) || n.startsWith(`${r}@`))),
      );
  }
}
