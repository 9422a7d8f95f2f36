/** `host:port` addresses (static seeds): split, or say why the text is not one. */
import { LIMITS, quote, utf8Length } from './limits.js';

export type HostPort = { host: string; port: number };

/**
 * Splits `host:port` or `[v6]:port`; returns a problem (naming the value) when it is not one.
 * `minPort` 0 lets a listen address ask for any free port.
 */
export function splitHostPort(text: string, minPort: 0 | 1 = 1): HostPort | { problem: string } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!match) return { problem: `expected host:port, got ${quote(text)}` };
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < minPort || port > 65535) return { problem: `must be a port number ${minPort}–65535, got ${port}` };
  if (utf8Length(match[1]!) > LIMITS.hostBytes) return { problem: 'host name is too long' };
  return { host: match[1]!, port };
}
