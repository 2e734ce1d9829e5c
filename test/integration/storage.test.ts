// Reading containers-storage directly must agree with podman: same image, same layers, same
// metadata; and inspection must see the merged tree (deletions and opaque directories).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { inspectImage } from '../../src/image/inspect.js';
import { DEFAULT_STORAGE, findStoredImage } from '../../src/image/storage.js';
import { parseImageRef } from '../../src/image/transport.js';

const TAG = 'localhost/dbib-test-layers:latest';
let context: string;

beforeAll(async () => {
  context = await mkdtemp(`${tmpdir()}/storage-test-`);
  await writeFile(
    `${context}/Containerfile`,
    [
      'FROM debian:trixie',
      'RUN mkdir -p /usr/lib/modules/6.1.0 /usr/lib/bootc/kargs.d && touch /usr/lib/modules/6.1.0/vmlinuz /usr/lib/modules/6.1.0/initramfs.img && printf \'kargs = ["old"]\\n\' > /usr/lib/bootc/kargs.d/00-old.toml',
      'RUN rm -rf /usr/lib/modules/6.1.0 && mkdir -p /usr/lib/modules/6.12.0 && touch /usr/lib/modules/6.12.0/vmlinuz',
      'RUN rm -rf /usr/lib/bootc/kargs.d && mkdir /usr/lib/bootc/kargs.d && printf \'kargs = ["quiet"]\\n\' > /usr/lib/bootc/kargs.d/10-test.toml',
      'LABEL containers.bootc=1 org.example.test=yes',
    ].join('\n'),
  );
  await execa('podman', ['build', '--network', 'host', '-q', '-t', TAG, context]);
});

afterAll(async () => {
  await execa('podman', ['rmi', '-f', TAG], { reject: false });
  await rm(context, { recursive: true, force: true });
});

describe('findStoredImage', () => {
  it('agrees with podman image inspect', async () => {
    const [podman] = JSON.parse((await execa('podman', ['image', 'inspect', TAG])).stdout);
    const stored = await findStoredImage('dbib-test-layers');
    expect(stored.id).toBe(podman.Id);
    expect(stored.digest).toBe(podman.Digest);
    expect(stored.names).toEqual(podman.RepoTags);
    expect(stored.arch).toBe(podman.Architecture);
    expect(stored.sizeBytes).toBe(podman.Size);
    expect(stored.labels).toMatchObject({ 'containers.bootc': '1', 'org.example.test': 'yes' });
    const { UpperDir, LowerDir } = podman.GraphDriver.Data;
    expect(stored.layers.map((l) => l.dir)).toEqual([UpperDir, ...LowerDir.split(':')]);
  });

  it('sees deletions and opaque directories of later layers (from tar-split, no xattrs needed)', async () => {
    const facts = await inspectImage(parseImageRef(TAG), { stored: await findStoredImage(TAG), storage: { root: DEFAULT_STORAGE } });
    expect(facts.kernels).toEqual([{ version: '6.12.0', vmlinuz: true, initramfs: false }]);
    expect(facts.kargs).toEqual(['quiet']);
    const [top] = (await findStoredImage(TAG)).layers;
    expect(await top?.opaqueDirs()).toEqual(new Set(['usr/lib/bootc/kargs.d']));
    expect(facts.osRelease.VERSION_CODENAME).toBe('trixie');
  });

  it('reports an absent image with the command that fixes it', async () => {
    const missing = findStoredImage('localhost/dbib-test-absent:1');
    await expect(missing).rejects.toThrow(UserError);
    await expect(missing).rejects.toThrow(
      'image localhost/dbib-test-absent:1 is not in the container storage at /var/lib/containers/storage; build it as root (sudo podman build -t localhost/dbib-test-absent:1 ...)',
    );
    await expect(findStoredImage('quay.io/x/absent')).rejects.toThrow('; pull it on the host (sudo podman pull quay.io/x/absent)');
  });
});
