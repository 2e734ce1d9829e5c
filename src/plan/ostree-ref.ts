// Names that bootc and ostree-ext use for an image inside an ostree repository, so that a
// deployment made here is recognised by `bootc status` and `bootc upgrade` after boot.

const IMAGE_PREFIX = 'ostree/container/image';
const BLOB_PREFIX = 'ostree/container/blob';

/**
 * ostree-ext's ref escaping: ASCII alphanumerics and `-` pass, `/` passes after an
 * alphanumeric when more follows, `_` becomes `__`, anything else `_XX_` (hex code point).
 */
export function escapeForRef(s: string): string {
  if (s === '') throw new Error('cannot escape an empty string into an ostree ref');
  const chars = [...s];
  let out = '';
  let previousAlnum = false;
  chars.forEach((c, i) => {
    const alnum = /^[A-Za-z0-9]$/.test(c);
    const hasNext = i < chars.length - 1;
    if (alnum || c === '-') out += c;
    else if (c === '/' && previousAlnum && hasNext) out += c;
    else if (c === '_') out += '__';
    else out += `_${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(2, '0')}_`;
    previousAlnum = alnum;
  });
  return out;
}

/** The ref of one layer's commit, named by its manifest descriptor digest. */
export function blobRef(digest: string): string {
  return `${BLOB_PREFIX}/${escapeForRef(digest)}`;
}

/** What a deployed system updates from: a registry image, or an image in another transport. */
export type UpdateSource = { kind: 'registry'; name: string } | { kind: 'image'; ref: string };

/** The ref ostree-ext stores the image under (its transport spelling, docker:// for registries). */
export function imageRef(target: UpdateSource): string {
  return `${IMAGE_PREFIX}/${escapeForRef(target.kind === 'registry' ? `docker://${target.name}` : target.ref)}`;
}

/** Where an image stored as a single commit goes (no manifest: not bootc's to read). */
export function treeRef(target: UpdateSource): string {
  return `deb-bootc-image-builder/image/${escapeForRef(target.kind === 'registry' ? `docker://${target.name}` : target.ref)}`;
}

/** The deployment's origin: what `bootc upgrade` will pull from. */
export function originFile(target: UpdateSource): string {
  const reference = target.kind === 'registry' ? `ostree-unverified-registry:${target.name}` : `ostree-unverified-image:${target.ref}`;
  return `[origin]\ncontainer-image-reference=${reference}\n`;
}
