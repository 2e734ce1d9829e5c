// Images from a Docker Engine API (Docker itself, or podman's compatible API service): the
// daemon exports the image as a docker-archive stream, which podman loads into the
// builder's store without a temporary copy.
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { UserError } from '../errors.js';

const DEFAULT_SOCKETS = ['/var/run/docker.sock', '/run/podman/podman.sock'];

/** Where the daemon listens: DOCKER_HOST (unix:// or tcp://), else a mounted socket. */
export function daemonAddress(env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): Docker.DockerOptions & { describe: string } {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return { socketPath: host.slice('unix://'.length), describe: host };
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http', describe: host };
  }
  if (host) throw new UserError('usage', `DOCKER_HOST=${host} is not supported; use unix:///PATH or tcp://HOST:PORT`);
  const socket = DEFAULT_SOCKETS.find((path) => exists(path));
  if (!socket) {
    throw new UserError(
      'source-unavailable',
      'no Docker daemon socket: mount it with -v /var/run/docker.sock:/var/run/docker.sock (podman: -v /run/podman/podman.sock:/var/run/docker.sock), or set DOCKER_HOST',
    );
  }
  return { socketPath: socket, describe: `unix://${socket}` };
}

export async function exportFromDaemon(name: string, env: NodeJS.ProcessEnv): Promise<Readable> {
  const { describe, ...address } = daemonAddress(env);
  const image = new Docker(address).getImage(name);
  try {
    await image.inspect();
    return (await image.get()) as Readable;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode === 404) {
      throw new UserError('image-not-found', `the Docker daemon at ${describe} has no image ${name}: docker pull ${name} (or docker build -t ${name} .) first`);
    }
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EACCES') {
      throw new UserError('source-unavailable', `the Docker daemon at ${describe} does not answer (${e.code}); is it running, and is its socket mounted?`);
    }
    throw new UserError('source-unavailable', `the Docker daemon at ${describe} failed: ${e.message ?? String(error)}`);
  }
}
