import { describe, expect, it } from 'vitest';
import { escapeForRef, imageRef, originFile } from '../../src/plan/ostree-ref.js';

// Vectors from ostree-ext's refescape.rs documentation and tests.
describe('escapeForRef (ostree-ext compatible)', () => {
  it('matches the documented examples', () => {
    expect(`container/${escapeForRef('registry:quay.io/coreos/fedora:latest')}`).toBe('container/registry_3A_quay_2E_io/coreos/fedora_3A_latest');
    expect(escapeForRef('docker://ghcr.io/x/y:tag')).toBe('docker_3A__2F__2F_ghcr_2E_io/x/y_3A_tag');
    expect(escapeForRef('sha256:abc')).toBe('sha256_3A_abc');
  });

  it('leaves alphanumerics, dashes and inner slashes alone', () => {
    for (const s of ['foo', 'foo/bar/baz-blah/foo']) expect(escapeForRef(s)).toBe(s);
  });

  it('escapes leading, trailing and doubled slashes, and underscores', () => {
    expect(escapeForRef('/')).toBe('_2F_');
    expect(escapeForRef('blah/')).toBe('blah_2F_');
    expect(escapeForRef('/foo/')).toBe('_2F_foo_2F_');
    expect(escapeForRef('a_b')).toBe('a__b');
    expect(escapeForRef('a-/b')).toBe('a-_2F_b');
    expect(escapeForRef('é')).toBe('_E9_');
  });

  it('refuses the empty string', () => {
    expect(() => escapeForRef('')).toThrow();
  });
});

describe('image ref and origin', () => {
  it('names registry images as ostree-ext does (docker:// transport)', () => {
    expect(imageRef({ kind: 'registry', name: 'quay.io/particle-os/apex:latest' })).toBe(
      'ostree/container/image/docker_3A__2F__2F_quay_2E_io/particle-os/apex_3A_latest',
    );
    expect(imageRef({ kind: 'image', ref: 'oci-archive:/mnt/apex.tar' })).toBe('ostree/container/image/oci-archive_3A__2F_mnt/apex_2E_tar');
  });

  it('writes a bootc origin for registries and for other transports', () => {
    expect(originFile({ kind: 'registry', name: 'quay.io/particle-os/apex' })).toBe(
      '[origin]\ncontainer-image-reference=ostree-unverified-registry:quay.io/particle-os/apex\n',
    );
    expect(originFile({ kind: 'image', ref: 'oci-archive:/mnt/apex.tar' })).toBe('[origin]\ncontainer-image-reference=ostree-unverified-image:oci-archive:/mnt/apex.tar\n');
  });
});
