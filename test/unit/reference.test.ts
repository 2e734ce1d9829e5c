import { describe, expect, it } from 'vitest';
import { imageMatcher, matchImages } from '../../src/image/reference.js';

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
    expect(ids('f4195')).toEqual([]);
    expect(ids('f41952')).toEqual([]);
    expect(matchImages(images, imageMatcher('f41959999999'))).toHaveLength(1);
    expect(matchImages(images, { kind: 'id', prefix: 'f4195' })).toHaveLength(2);
  });

  it('matches name@digest against the stored manifest digest', () => {
    expect(ids('quay.io/particle-os/apex@sha256:abcd')).toEqual(['f4195']);
    expect(ids('quay.io/particle-os/apex@sha256:0000')).toEqual([]);
  });
});
