// What went wrong when podman could not bring an image in, as one line a user can act on.
// Pure: the ref and podman's error text in, the error out.
import { UserError } from '../errors.js';

export function pullError(ref: string, detail: string): UserError {
  const last = detail.split(' | ').at(-1) ?? detail;
  const short = last.replace(/^.*?Error: /, '').trim();
  if (/overlay' is not supported over overlayfs/.test(detail)) {
    return new UserError('environment', `the builder's store must be on a real filesystem: mount a volume at /store (-v ./store:/store)`);
  }
  if (/manifest unknown|name unknown|not found|does not exist|no such image/i.test(detail)) {
    return new UserError('image-not-found', `${ref}: the registry has no such image (${short}); check the name and tag`);
  }
  if (/unauthorized|authentication required|denied|\b40[13]\b/i.test(detail)) {
    return new UserError(
      'pull-failed',
      `${ref}: the registry refused access (${short}); log in on the host (podman login) and mount the auth file, e.g. -v ~/.config/containers/auth.json:/run/containers/0/auth.json:ro`,
    );
  }
  if (/x509|certificate|tls: |HTTP response to HTTPS client/i.test(detail)) {
    return new UserError('pull-failed', `${ref}: TLS verification failed (${short}); for a registry with a self-signed certificate add --tls-verify=false`);
  }
  if (/no such host|connection refused|dial tcp|i\/o timeout|network is unreachable|server misbehaving|lookup /i.test(detail)) {
    return new UserError(
      'pull-failed',
      `${ref}: cannot reach the registry (${short}); without network, use an image in the mounted storage, an archive (oci-archive:PATH) or --pull=never`,
    );
  }
  return new UserError('pull-failed', `${ref}: podman could not pull it: ${short}`);
}
