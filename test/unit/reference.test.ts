import { describe, expect, it } from 'vitest';
import { checkReference, imageMatcher, isImageId, matchImages, matchedName } from '../../src/image/reference.js';

const images = [
  { id: 'ef663593477c38874d6627ddaa86d6ac82ad589d2703b97653f1f7e0ab068c6c', names: ['localhost/debian-bootc-example:latest'], digest: 'sha256:8b53' },
  { id: 'f419526ca62d855126cca50c70b2b385fd8087d9e4daacb5c3833d5a120a1f56', names: ['docker.io/library/debian:trixie', 'localhost/debian:trixie'] },
  { id: 'f4195999999999999999999999999999999999999999999999999999999999aa', names: ['quay.io/particle-os/apex:latest'], digest: 'sha256:abcd' },
];
const ids = (ref: string) => matchImages(images, imageMatcher(ref)).map((i) => i.id.slice(0, 5));

describe('local image lookup (podman rules)', () => {
  it('adds :latest and tries localhost/ then docker.io for short names', () => {
    expect(imageMatcher('debian-bootc-example')).toEqual({
      kind: 'names',
      names: ['localhost/debian-bootc-example:latest', 'docker.io/library/debian-bootc-example:latest'],
    });
    expect(ids('debian-bootc-example')).toEqual(['ef663']);
    expect(ids('debian:trixie')).toEqual(['f4195']);
    expect(imageMatcher('user/app:1')).toEqual({ kind: 'names', names: ['localhost/user/app:1', 'docker.io/user/app:1'] });
  });

  it('expands docker.io/NAME to docker.io/library/NAME, as podman stores it', () => {
    expect(ids('docker.io/debian:trixie')).toEqual(['f4195']);
    expect(imageMatcher('docker.io/user/app')).toEqual({ kind: 'names', names: ['docker.io/user/app:latest'] });
  });

  it('takes registry-qualified names literally', () => {
    expect(ids('quay.io/particle-os/apex')).toEqual(['f4195']);
    expect(ids('localhost:5000/x')).toEqual([]);
    expect(imageMatcher('localhost:5000/x')).toEqual({ kind: 'names', names: ['localhost:5000/x:latest'] });
  });

  it('matches IDs and ID prefixes, reporting ambiguity as several matches', () => {
    expect(ids('ef663593477c')).toEqual(['ef663']);
    expect(ids(`sha256:${images[0]!.id}`)).toEqual(['ef663']);
    expect(ids('f4195')).toEqual(['f4195', 'f4195']);
    expect(ids('f41952')).toEqual(['f4195']);
    expect(ids('ef6')).toEqual(['ef663']);
    expect(ids('ef')).toEqual([]);
    expect(matchImages(images, imageMatcher('f41959999999'))).toHaveLength(1);
    expect(matchImages(images, { kind: 'id', prefix: 'f4195' })).toHaveLength(2);
  });

  it('looks a hex prefix up as a name first, then as an ID prefix (podman)', () => {
    const named = [...images, { id: '0000000000000000000000000000000000000000000000000000000000000001', names: ['localhost/ef6635:latest'] }];
    expect(matchImages(named, imageMatcher('ef6635')).map((i) => i.id.slice(0, 5))).toEqual(['00000']);
    expect(matchedName(named[3]!, imageMatcher('ef6635'))).toBe('localhost/ef6635:latest');
    expect(matchImages(named, imageMatcher('ef6636'))).toEqual([]);
    expect(isImageId('ef6635')).toBe(false);
    expect(isImageId(images[0]!.id)).toBe(true);
    expect(isImageId('sha256:ef6635')).toBe(true);
  });

  it('matches name@digest against the stored manifest digest', () => {
    expect(ids('quay.io/particle-os/apex@sha256:abcd')).toEqual(['f4195']);
    expect(ids('quay.io/particle-os/apex@sha256:0000')).toEqual([]);
  });
});

describe('the reference grammar (docker references, as podman takes them)', () => {
  it.each([
    'debian-bootc-example',
    'localhost/debian-bootc-example:latest',
    'quay.io/particle-os/apex:v1.2_3',
    'localhost:5000/a/b__c/d-e.f',
    '[::1]:5000/app',
    'Quay.io/x/y',
    'abc123',
    'sha256:ef663593477c',
    `quay.io/x/y@sha256:${'a'.repeat(64)}`,
  ])('takes %s', (ref) => {
    expect(() => checkReference(ref)).not.toThrow();
  });

  it.each([
    ['../../etc/passwd', /names are lower-case letters and digits, separated by \., _, - or \/, after an optional HOST\[:PORT\]\/ \(an image archive or directory needs its transport, e\.g\. oci-archive:PATH or oci:PATH\)/],
    ['-weird', /names are lower-case letters and digits/],
    ['a//b', /names are lower-case letters and digits/],
    ['localhost/MyApp:Tag', /image names must be lower case: use localhost\/myapp:Tag$/],
    ['Debian-Bootc', /image names must be lower case: use debian-bootc$/],
    ['app:.tag', /the tag \.tag is not valid/],
    ['app:', /the tag \(empty\) is not valid/],
    ['app@sha256:xyz', /the digest sha256:xyz is not ALGORITHM:HEX/],
    ['bad_host:x:1/app', /is not a valid image reference/],
    [`${'a'.repeat(256)}`, /longer than 255 characters/],
  ])('refuses %s as a usage error', (ref, message) => {
    expect(() => checkReference(ref)).toThrow(message);
    expect(() => checkReference(ref)).toThrow(expect.objectContaining({ id: 'usage', exitCode: 2 }));
  });
});
