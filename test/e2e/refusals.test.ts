// What users get when the input or the invocation is wrong: one "error:" line on stderr and
// a distinct exit code, before any disk work. And `manifest` needs no privileges at all.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import type { Plan } from '../../src/plan/types.js';
import { EXAMPLE, PLAIN_DEBIAN, STORAGE, buildImageFrom, runBuilder } from '../support/images.js';

const OPAQUE = 'localhost/dbib-test-opaque';

describe('the builder container', () => {
  it('prints the plan without privileges: no capabilities, read-only storage', async () => {
    const run = await runBuilder(['manifest', EXAMPLE], {
      privileged: false,
      storage: false,
      podmanArgs: ['--cap-drop=all', '--security-opt', 'no-new-privileges', '-v', `${STORAGE}:${STORAGE}:ro`],
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const plan = JSON.parse(run.stdout) as Plan;
    const [podman] = JSON.parse((await execa('podman', ['image', 'inspect', EXAMPLE])).stdout);
    expect(plan.image.id).toBe(podman.Id);
    expect(plan.outputs).toEqual([{ type: 'qcow2', path: 'qcow2/disk.qcow2' }]);
  });

  it('plans the same without privileges as with them, even where a layer replaced a directory', async () => {
    await buildImageFrom(
      OPAQUE,
      [
        `FROM ${EXAMPLE}`,
        `RUN mkdir -p /usr/lib/bootc/kargs.d && echo 'kargs = ["dbib.lower"]' > /usr/lib/bootc/kargs.d/00-lower.toml`,
        `RUN rm -rf /usr/lib/bootc/kargs.d && mkdir /usr/lib/bootc/kargs.d && echo 'kargs = ["dbib.upper"]' > /usr/lib/bootc/kargs.d/10-upper.toml`,
      ].join('\n'),
    );
    const unprivileged = await runBuilder(['manifest', OPAQUE], {
      privileged: false,
      storage: false,
      podmanArgs: ['--cap-drop=all', '-v', `${STORAGE}:${STORAGE}:ro`],
    });
    const privileged = await runBuilder(['manifest', OPAQUE]);
    expect(unprivileged.exitCode).toBe(0);
    expect(unprivileged.stdout).toBe(privileged.stdout);
    const kargs = (JSON.parse(unprivileged.stdout) as Plan).deployment.kargs;
    expect(kargs).toContain('dbib.upper');
    expect(kargs).not.toContain('dbib.lower');
  });

  it.each([
    ['a plain Debian image (no bootc label)', [PLAIN_DEBIAN], {}, 'not-bootc', 'error: docker.io/library/debian:trixie: not a bootc image (no containers.bootc=1 label); build it FROM a bootc base image or add LABEL containers.bootc=1 to its Containerfile'],
    ['an image that is not in the storage', ['quay.io/example/no-such-image:1'], {}, 'image-not-found', 'error: image quay.io/example/no-such-image:1 is not in the container storage at /var/lib/containers/storage; pull it first (sudo podman pull quay.io/example/no-such-image:1)'],
    ['no output directory mounted', [EXAMPLE], {}, 'output', 'error: no output directory is mounted, so the artifacts would be lost with the container: add -v ./output:/output to podman run'],
    ['a read-only output directory', [EXAMPLE], { podmanArgs: ['-v', '/tmp:/output:ro'] }, 'output', 'error: cannot write to the output directory /output: it is on a read-only filesystem (drop :ro from its -v option)'],
    ['a read-only storage for a build', [EXAMPLE], { storage: false, podmanArgs: ['-v', `${STORAGE}:${STORAGE}:ro`] }, 'environment', 'error: building needs the container storage mounted read-write (podman keeps its locks there): drop :ro from -v /var/lib/containers/storage'],
    ['no storage mounted', [EXAMPLE], { storage: false }, 'environment', 'error: the builder sees no container storage with images: add -v /var/lib/containers/storage:/var/lib/containers/storage to podman run'],
    ['no --privileged', [EXAMPLE], { privileged: false }, 'environment', 'error: the builder is not privileged (/sys is read-only): run the builder as root with podman run --privileged'],
    ['an unknown disk type', ['--type', 'floppy', EXAMPLE], {}, 'usage', 'error: --type floppy is not supported; choose from qcow2, raw'],
  ] as const)('refuses %s with one line and its exit code', async (_what, args, run, id, line) => {
    const result = await runBuilder([...args], run);
    expect(result.stderr).toBe(line);
    expect(result.exitCode).toBe(EXIT_CODES[id]);
    expect(result.stdout).toBe('');
  });
});
