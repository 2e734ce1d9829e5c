// The builder image sets this variable (Containerfile ENV); it is unset when the CLI runs
// directly on a host, where paths like /output and /store mean nothing special.
export const BUILDER_MARKER = 'DEB_BOOTC_IMAGE_BUILDER_CONTAINER';

export function inBuilderContainer(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[BUILDER_MARKER] === '1';
}
