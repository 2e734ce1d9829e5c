// Registry credentials: the auth file podman would use, looked up where containers/image
// and Docker keep them, so a mounted `podman login` or `docker login` file just works.
import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';

export function findAuthFile(env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): string | undefined {
  const explicit = env.REGISTRY_AUTH_FILE;
  if (explicit) {
    if (exists(explicit)) return explicit;
    throw new UserError('usage', `REGISTRY_AUTH_FILE is ${explicit}, but there is no such file in the builder: mount it with -v AUTHFILE:${explicit}:ro`);
  }
  const home = env.HOME || '/root';
  const candidates = [
    env.XDG_RUNTIME_DIR && `${env.XDG_RUNTIME_DIR}/containers/auth.json`,
    '/run/containers/0/auth.json',
    `${env.XDG_CONFIG_HOME || `${home}/.config`}/containers/auth.json`,
    env.DOCKER_CONFIG && `${env.DOCKER_CONFIG}/config.json`,
    `${home}/.docker/config.json`,
  ];
  return candidates.find((path): path is string => Boolean(path) && exists(path as string));
}
