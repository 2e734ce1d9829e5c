// Services the transport tests need, run on this machine only: a registry on 127.0.0.1
// (Debian's docker-registry, with htpasswd auth) and podman's Docker-compatible API socket.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { execa, type ResultPromise } from 'execa';

export interface Service {
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(what: string, ready: () => Promise<boolean>, process: ResultPromise): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ready().catch(() => false)) return;
    if (process.exitCode !== null && process.exitCode !== undefined) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

function stopper(child: ResultPromise): () => Promise<void> {
  return async () => {
    child.kill('SIGTERM');
    await child.catch(() => undefined);
  };
}

export interface Registry extends Service {
  /** host:port */
  address: string;
  user: string;
  password: string;
}

export async function startRegistry(dir: string): Promise<Registry> {
  const port = await freePort();
  const [user, password] = ['dbib', 'registry-test-password'];
  const { stdout: hash } = await execa('htpasswd', ['-Bbn', user, password]);
  await writeFile(`${dir}/htpasswd`, `${hash}\n`);
  await writeFile(
    `${dir}/registry.yml`,
    [
      'version: 0.1',
      'log: {level: warn}',
      `storage: {filesystem: {rootdirectory: ${dir}/registry-data}}`,
      `http: {addr: 127.0.0.1:${port}}`,
      `auth: {htpasswd: {realm: dbib-test, path: ${dir}/htpasswd}}`,
      '',
    ].join('\n'),
  );
  const child = execa('docker-registry', ['serve', `${dir}/registry.yml`], { reject: false, stdio: 'ignore' });
  await waitFor('the registry', async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 401, child);
  return { address: `127.0.0.1:${port}`, user, password, stop: stopper(child) };
}

export interface PodmanService extends Service {
  socket: string;
}

export async function startPodmanService(dir: string): Promise<PodmanService> {
  const socket = `${dir}/podman.sock`;
  const child = execa('podman', ['system', 'service', '--time=0', `unix://${socket}`], { reject: false, stdio: 'ignore' });
  await waitFor('the podman API service', async () => (await execa('curl', ['-sf', '--unix-socket', socket, 'http://d/_ping'], { reject: false })).exitCode === 0, child);
  return { socket, stop: stopper(child) };
}
