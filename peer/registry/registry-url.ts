/**
 * `--registry` values: `etcd://HOST:PORT[/prefix]` and `consul://HOST:PORT`. Parsed
 * once, with a problem that names the value when it is not one of them.
 */
import { splitHostPort } from '../host-port.js';
import { quote } from '../limits.js';

/** Where a peer registers and watches. */
export type RegistryUrl =
  | { kind: 'etcd'; host: string; port: number; /** Keys are `<prefix>/<peer id>`; no trailing slash. */ prefix: string }
  | { kind: 'consul'; host: string; port: number };

/** The key prefix when an etcd URL gives none. */
export const DEFAULT_ETCD_PREFIX = '/peerlab';

const PREFIX_CHARS = /^(\/[A-Za-z0-9._-]+)+$/;

/** Parses a `--registry` value, or says why it is not one. */
export function parseRegistryUrl(text: string): RegistryUrl | { problem: string } {
  const match = /^(etcd|consul):\/\/([^/]+)(\/.*)?$/.exec(text);
  if (!match) return { problem: `expected etcd://HOST:PORT[/prefix] or consul://HOST:PORT, got ${quote(text)}` };
  const [, kind, hostPort, path] = match;
  const address = splitHostPort(hostPort!);
  if ('problem' in address) return { problem: `${quote(text)}: ${address.problem}` };
  if (kind === 'consul') {
    if (path !== undefined && path !== '/') return { problem: `${quote(text)}: a consul:// registry takes no path` };
    return { kind, ...address };
  }
  const prefix = path === undefined || path === '/' ? DEFAULT_ETCD_PREFIX : path.replace(/\/$/, '');
  if (!PREFIX_CHARS.test(prefix) || prefix.length > 128) {
    return { problem: `${quote(text)}: the prefix must be /-separated segments of A-Z a-z 0-9 . _ - (at most 128 characters)` };
  }
  return { kind: 'etcd', ...address, prefix };
}
