// How an image reference the user typed matches names in containers-storage, following
// podman's rules for local lookups: a missing tag means :latest, a name without a registry
// is looked for under localhost/ and docker.io/ (docker.io/library/ for single names), and
// a bare hex string may be an image ID or a prefix of one.

export type ImageMatcher =
  | { kind: 'id'; prefix: string }
  | { kind: 'names'; names: string[] }
  | { kind: 'digest'; repositories: string[]; digest: string };

export function imageMatcher(ref: string): ImageMatcher {
  const id = /^(?:sha256:)?([0-9a-f]{12,64})$/.exec(ref);
  if (id && !ref.includes('/')) return { kind: 'id', prefix: id[1] as string };
  const [name, digest] = ref.split('@') as [string, string | undefined];
  const lastSlash = name.lastIndexOf('/');
  const tagAt = name.indexOf(':', lastSlash + 1);
  const repository = tagAt >= 0 ? name.slice(0, tagAt) : name;
  const tag = tagAt >= 0 ? name.slice(tagAt + 1) : undefined;
  const repositories = qualify(repository);
  if (digest) return { kind: 'digest', repositories, digest };
  return { kind: 'names', names: repositories.map((r) => `${r}:${tag ?? 'latest'}`) };
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
  return image.names?.[0];
}

/** The images a matcher selects (several only for ambiguous ID prefixes). */
export function matchImages<T extends NamedImage>(images: T[], matcher: ImageMatcher): T[] {
  switch (matcher.kind) {
    case 'id':
      return images.filter((i) => i.id.startsWith(matcher.prefix));
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
