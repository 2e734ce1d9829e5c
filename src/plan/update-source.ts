// What the installed system will update from (its deployment origin): --target-imgref when
// given, else the image the build started from, in a form bootc can pull later. A registry
// name stays as the user wrote it; short names and IDs become the stored full name; files
// (archives, OCI layouts) stay as given, with a warning, since bootc reads them only there.
import { quote, UserError } from '../errors.js';
import type { ImageFacts } from '../image/facts.js';
import { isQualified } from '../image/reference.js';
import { parseImageRef, transportRef } from '../image/transport.js';
import type { UpdateSource } from './ostree-ref.js';

export function updateSource(facts: ImageFacts, override?: string): { target: UpdateSource; warnings: string[] } {
  refuseSecretMark(facts.ref, 'the image reference');
  if (override !== undefined) refuseSecretMark(override, '--target-imgref');
  if (override !== undefined) return { target: fromOverride(override), warnings: [] };
  const { source } = facts;
  switch (source.kind) {
    case 'docker':
      return { target: { kind: 'registry', name: source.name }, warnings: [] };
    case 'local':
    case 'containers-storage':
    case 'docker-daemon':
      return { target: { kind: 'registry', name: registryName(source.name, facts) }, warnings: [] };
    default: {
      const ref = transportRef(source);
      const warning = `the installed system will look for updates in ${ref}; to update from a registry, pass --target-imgref REGISTRY/NAME:TAG`;
      return { target: { kind: 'image', ref }, warnings: [warning] };
    }
  }
}

/** Both go into the plan's commands, where "@secret:NAME@" would be replaced by a secret. */
function refuseSecretMark(value: string, what: string): void {
  if (value.includes('@secret:')) throw new UserError('usage', `${what} ${quote(value)} must not contain "@secret:" (reserved for the builder's secret placeholders)`);
}

function registryName(name: string, facts: ImageFacts): string {
  if (isQualified(name)) return name;
  if (facts.name) return facts.name;
  throw new UserError('usage', `${facts.ref} has no name to update from: give --target-imgref REGISTRY/NAME:TAG`);
}

function fromOverride(value: string): UpdateSource {
  const target = parseImageRef(value);
  switch (target.kind) {
    case 'local':
    case 'docker':
      return { kind: 'registry', name: target.name };
    case 'docker-daemon':
      throw new UserError('usage', `--target-imgref ${value}: bootc cannot update from a Docker daemon; give a registry reference`);
    default:
      return { kind: 'image', ref: transportRef(target) };
  }
}
