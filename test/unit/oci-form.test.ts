// The manifest and config as ostree-ext stores them (container/store.rs: the proxy's OCI form,
// to_canon_json_string), and the digest bootc reads back (ostree.manifest-digest).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, createdAt, manifestDigest, ociConfig, ociManifest } from '../../src/image/oci-form.js';

const DOCKER_MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: 'sha256:c0' },
  layers: [
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 29, digest: 'sha256:l1' },
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: 30, digest: 'sha256:l2', urls: ['https://x'] },
  ],
}, null, 3);

describe('ostree-ext form of an image', () => {
  it('converts a Docker schema 2 manifest to OCI, as the image proxy hands it to ostree-ext', () => {
    expect(JSON.parse(ociManifest(DOCKER_MANIFEST))).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 1469, digest: 'sha256:c0' },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 29, digest: 'sha256:l1' },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', size: 30, digest: 'sha256:l2', urls: ['https://x'] },
      ],
    });
  });

  it('writes canonical JSON: keys in code point order, no whitespace, only " and \\ escaped', () => {
    expect(ociManifest(DOCKER_MANIFEST)).toBe(
      '{"config":{"digest":"sha256:c0","mediaType":"application/vnd.oci.image.config.v1+json","size":1469},"layers":[{"digest":"sha256:l1","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":29},{"digest":"sha256:l2","mediaType":"application/vnd.oci.image.layer.v1.tar","size":30,"urls":["https://x"]}],"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}',
    );
    expect(canonicalJson({ b: 'x"y\\z\nw', a: [1, true, null], B: {} })).toBe('{"B":{},"a":[1,true,null],"b":"x\\"y\\\\z\nw"}');
  });

  it('keeps the OCI config fields and drops what only Docker has, as the OCI struct does', () => {
    const docker = {
      architecture: 'amd64',
      os: 'linux',
      created: '2026-11-22T11:27:48Z',
      docker_version: '28.2.2',
      container_config: { Hostname: 'x' },
      config: { Hostname: 'abc', Env: ['PATH=/usr/bin'], Labels: { 'containers.bootc': '1' }, Cmd: ['bash'], AttachStdin: false, OnBuild: null },
      rootfs: { type: 'layers', diff_ids: ['sha256:d1'] },
      history: [{ created: '2026-11-22T11:27:48Z', created_by: 'RUN x', empty_layer: true, extra: 1 }],
    };
    expect(JSON.parse(ociConfig(JSON.stringify(docker)))).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-11-22T11:27:48Z',
      config: { Env: ['PATH=/usr/bin'], Labels: { 'containers.bootc': '1' }, Cmd: ['bash'] },
      rootfs: { type: 'layers', diff_ids: ['sha256:d1'] },
      history: [{ created: '2026-11-22T11:27:48Z', created_by: 'RUN x', empty_layer: true }],
    });
  });

  it("digests the manifest as stored (the per-platform one, whatever images.json says for a manifest list)", () => {
    expect(manifestDigest(DOCKER_MANIFEST)).toBe(`sha256:${createHash('sha256').update(DOCKER_MANIFEST).digest('hex')}`);
    expect(manifestDigest(DOCKER_MANIFEST)).not.toBe(manifestDigest(ociManifest(DOCKER_MANIFEST)));
  });

  it("takes the creation time from the manifest's annotation first, then the config", () => {
    const config = JSON.stringify({ created: '2026-01-01T00:00:00Z' });
    expect(createdAt(DOCKER_MANIFEST, config)).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000);
    const annotated = JSON.stringify({ annotations: { 'org.opencontainers.image.created': '2025-06-01T00:00:00Z' } });
    expect(createdAt(annotated, config)).toBe(Date.parse('2025-06-01T00:00:00Z') / 1000);
    expect(createdAt('{}', '{}')).toBeUndefined();
  });
});
