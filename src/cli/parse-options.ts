// Parsing of option values shared by several commands. Pure, so every error message is
// unit-tested.
import { UserError } from '../errors.js';
import { PULL_POLICIES, type PullPolicy } from '../image/acquire.js';
import { parseSize } from '../config/size.js';
import { IMAGE_TYPES, type ImageType, VMDK_SUBFORMATS, type VmdkSubformat } from '../plan/types.js';
import { LOG_LEVELS, type LogLevel } from '../run/reporter.js';

/** --type may repeat and may hold comma-separated lists, as in bootc-image-builder. */
export function parseTypes(values: string[] | undefined): ImageType[] {
  const wanted = (values ?? ['qcow2']).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const types: ImageType[] = [];
  for (const type of wanted) {
    if (!(IMAGE_TYPES as readonly string[]).includes(type)) {
      throw new UserError('usage', `--type ${type} is not supported; choose from ${IMAGE_TYPES.join(', ')}`);
    }
    if (!types.includes(type as ImageType)) types.push(type as ImageType);
  }
  if (types.length === 0) throw new UserError('usage', '--type needs a value, e.g. --type qcow2');
  return types;
}

export function parseLogLevel(value: string | undefined, verbose: boolean): LogLevel {
  if (value === undefined) return verbose ? 'info' : 'warn';
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new UserError('usage', `--log-level ${value} is not a log level; choose from ${LOG_LEVELS.join(', ')}`);
}

export function parsePullPolicy(value: string | undefined): PullPolicy {
  if (value === undefined) return 'missing';
  if ((PULL_POLICIES as readonly string[]).includes(value)) return value as PullPolicy;
  throw new UserError('usage', `--pull=${value} is not a pull policy; choose from ${PULL_POLICIES.join(', ')}`);
}

/** Flags that take true/false (as bootc-image-builder's --tls-verify=false). */
export function parseBoolean(flag: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new UserError('usage', `${flag}=${value}: expected true or false`);
}

/** Node's name for an architecture, as OCI images name it. */
export function ociArch(nodeArch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/** The builder makes x86_64 disks; --target-arch only confirms that. */
export function checkTargetArch(value: string | undefined): void {
  if (value === undefined || ['amd64', 'x86_64'].includes(value)) return;
  throw new UserError('usage', `--target-arch ${value} is not supported; this builder makes x86_64 (amd64) disks`);
}

/** --size SIZE|auto: bytes or a size with a unit ("20 GiB", "20GiB"), or auto. */
export function parseDiskSize(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  const bytes = parseSize(value);
  if (bytes === undefined || bytes === 0) {
    throw new UserError('usage', `--size ${value} is not a size: use bytes, a unit (kB KiB MB MiB GB GiB TB TiB) as in --size "20 GiB", or --size auto`);
  }
  return bytes;
}

/** --chown UID[:GID], numbers as in bootc-image-builder; without GID the group is kept. */
export function parseOwner(value: string | undefined): { uid: number; gid: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!m) throw new UserError('usage', `--chown ${value}: expected numeric UID or UID:GID, e.g. --chown 1000:1000 (see id -u, id -g)`);
  const id = (text: string, what: string): number => {
    const n = Number(text);
    if (n > MAX_ID) throw new UserError('usage', `--chown ${value}: ${what} ${text} is out of range (0 to ${MAX_ID}), e.g. --chown 1000:1000 (see id -u, id -g)`);
    return n;
  };
  return { uid: id(m[1] as string, 'UID'), gid: m[2] === undefined ? -1 : id(m[2], 'GID') };
}

/** Linux IDs are 32-bit; 4294967295 is (uid_t)-1, "no change" to chown(2). */
const MAX_ID = 4294967294;

export function parseVmdkSubformat(value: string | undefined): VmdkSubformat {
  if (value === undefined) return 'streamOptimized';
  const match = VMDK_SUBFORMATS.find((f) => f.toLowerCase() === value.toLowerCase());
  if (match) return match;
  throw new UserError('usage', `--vmdk-subformat ${value}: choose streamOptimized (vSphere, OVA) or monolithicSparse (VMware Workstation)`);
}
