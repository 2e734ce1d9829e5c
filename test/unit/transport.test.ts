import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { findAuthFile } from '../../src/image/auth.js';
import { daemonAddress } from '../../src/image/docker-daemon.js';
import { pullError } from '../../src/image/pull-errors.js';
import { parseImageRef, transportRef } from '../../src/image/transport.js';
import { updateSource } from '../../src/plan/update-source.js';
import { exampleFacts } from '../support/facts.js';

describe('image references with transports', () => {
  it.each([
    ['localhost/app', { kind: 'local', name: 'localhost/app' }, 'docker://localhost/app'],
    ['quay.io/particle-os/apex:1', { kind: 'local', name: 'quay.io/particle-os/apex:1' }, 'docker://quay.io/particle-os/apex:1'],
    ['localhost:5000/app:1', { kind: 'local', name: 'localhost:5000/app:1' }, 'docker://localhost:5000/app:1'],
    ['sha256:0123456789ab', { kind: 'local', name: 'sha256:0123456789ab' }, 'docker://sha256:0123456789ab'],
    ['containers-storage:localhost/app', { kind: 'containers-storage', name: 'localhost/app' }, 'containers-storage:localhost/app'],
    ['docker://quay.io/x/y:tag', { kind: 'docker', name: 'quay.io/x/y:tag' }, 'docker://quay.io/x/y:tag'],
    ['registry:quay.io/x/y', { kind: 'docker', name: 'quay.io/x/y' }, 'docker://quay.io/x/y'],
    ['docker-daemon:app:latest', { kind: 'docker-daemon', name: 'app:latest' }, 'docker-daemon:app:latest'],
    ['oci-archive:/mnt/app.tar', { kind: 'oci-archive', path: '/mnt/app.tar' }, 'oci-archive:/mnt/app.tar'],
    ['oci-archive:/mnt/app.tar:quay.io/x/y:1', { kind: 'oci-archive', path: '/mnt/app.tar', reference: 'quay.io/x/y:1' }, 'oci-archive:/mnt/app.tar:quay.io/x/y:1'],
    ['oci:/mnt/layout:latest', { kind: 'oci', path: '/mnt/layout', reference: 'latest' }, 'oci:/mnt/layout:latest'],
    ['docker-archive:/mnt/app.tar', { kind: 'docker-archive', path: '/mnt/app.tar' }, 'docker-archive:/mnt/app.tar'],
  ])('%s', (input, expected, ref) => {
    const source = parseImageRef(input);
    expect(source).toEqual({ input, ...expected });
    expect(transportRef(source)).toBe(ref);
  });

  it.each([
    ['', /is not an image reference/],
    ['has space', /is not an image reference/],
    ['docker:quay.io/x', /registry references are written docker:\/\/NAME/],
    ['oci-archive:', /names no image/],
    ['dir:/tmp/x', /the dir: transport is not supported/],
    ['containers-storage:[overlay@/x]img', /storage specifiers/],
    ['../../etc/passwd', /^\.\.\/\.\.\/etc\/passwd is not a valid image reference: names are lower-case letters/],
    ['-weird', /^-weird is not a valid image reference/],
    ['localhost/Example', /^localhost\/Example is not a valid image reference: image names must be lower case: use localhost\/example$/],
    ['docker://quay.io/X/y', /^docker:\/\/quay\.io\/X\/y is not a valid image reference: image names must be lower case: use quay\.io\/x\/y$/],
    ['containers-storage:../x', /is not a valid image reference/],
  ])('refuses %j', (input, message) => {
    expect(() => parseImageRef(input)).toThrow(UserError);
    expect(() => parseImageRef(input)).toThrow(message);
  });
});

describe('what the installed system updates from', () => {
  const facts = (input: string, name?: string) => exampleFacts((f) => Object.assign(f, { ref: input, source: parseImageRef(input), name }));

  it('keeps registry names as given and qualifies short names and IDs from storage', () => {
    expect(updateSource(facts('quay.io/x/y:1')).target).toEqual({ kind: 'registry', name: 'quay.io/x/y:1' });
    expect(updateSource(facts('docker://quay.io/x/y')).target).toEqual({ kind: 'registry', name: 'quay.io/x/y' });
    expect(updateSource(facts('app', 'localhost/app:latest')).target).toEqual({ kind: 'registry', name: 'localhost/app:latest' });
    expect(updateSource(facts('docker-daemon:app', 'docker.io/library/app:latest')).target).toEqual({ kind: 'registry', name: 'docker.io/library/app:latest' });
  });

  it('points archives at themselves, with a warning, never at a copy', () => {
    const { target, warnings } = updateSource(facts('oci-archive:/mnt/app.tar', 'localhost/app:latest'));
    expect(target).toEqual({ kind: 'image', ref: 'oci-archive:/mnt/app.tar' });
    expect(warnings).toEqual(['the installed system will look for updates in oci-archive:/mnt/app.tar; to update from a registry, pass --target-imgref REGISTRY/NAME:TAG']);
  });

  it('takes --target-imgref in any bootc transport, not a Docker daemon', () => {
    expect(updateSource(facts('oci:/x'), 'quay.io/a/b').target).toEqual({ kind: 'registry', name: 'quay.io/a/b' });
    expect(updateSource(facts('oci:/x'), 'oci-archive:/srv/b.tar').target).toEqual({ kind: 'image', ref: 'oci-archive:/srv/b.tar' });
    expect(() => updateSource(facts('oci:/x'), 'docker-daemon:b')).toThrow(/bootc cannot update from a Docker daemon/);
  });
});

describe('pull failures', () => {
  it.each([
    ['Error: initializing source docker://q.io/x:1: reading manifest 1 in q.io/x: manifest unknown', 'image-not-found', /the registry has no such image/],
    ['Error: ... unauthorized: authentication required', 'pull-failed', /refused access .*podman login/],
    ['Error: ... x509: certificate signed by unknown authority', 'pull-failed', /--tls-verify=false/],
    ['Error: ... dial tcp: lookup q.io on 10.0.0.1:53: no such host', 'pull-failed', /cannot reach the registry .* --pull=never/],
    ['Error: something else', 'pull-failed', /podman could not pull it: something else/],
  ])('%s', (detail, id, message) => {
    const error = pullError('q.io/x:1', detail);
    expect(error.id).toBe(id);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });
});

describe('registry credentials and Docker daemons', () => {
  const exists = (present: string[]) => (p: string) => present.includes(p);

  it('finds the auth file podman or Docker would use, REGISTRY_AUTH_FILE first', () => {
    expect(findAuthFile({ REGISTRY_AUTH_FILE: '/a.json' }, exists(['/a.json', '/run/containers/0/auth.json']))).toBe('/a.json');
    expect(findAuthFile({ HOME: '/root' }, exists(['/run/containers/0/auth.json', '/root/.docker/config.json']))).toBe('/run/containers/0/auth.json');
    expect(findAuthFile({ HOME: '/root' }, exists(['/root/.docker/config.json']))).toBe('/root/.docker/config.json');
    expect(findAuthFile({ HOME: '/root' }, exists([]))).toBeUndefined();
    expect(() => findAuthFile({ REGISTRY_AUTH_FILE: '/gone.json' }, exists([]))).toThrow(/mount it with -v AUTHFILE:\/gone.json:ro/);
  });

  it('reaches the daemon through DOCKER_HOST or a mounted socket', () => {
    expect(daemonAddress({ DOCKER_HOST: 'unix:///run/podman/podman.sock' }, exists([]))).toMatchObject({ socketPath: '/run/podman/podman.sock' });
    expect(daemonAddress({ DOCKER_HOST: 'tcp://10.0.0.2:2375' }, exists([]))).toMatchObject({ host: '10.0.0.2', port: 2375 });
    expect(daemonAddress({}, exists(['/var/run/docker.sock']))).toMatchObject({ socketPath: '/var/run/docker.sock' });
    expect(() => daemonAddress({}, exists([]))).toThrow(/mount it with -v \/var\/run\/docker.sock/);
  });
});
