/**
 * A peer's settings: a partial merged over named defaults, validated once,
 * with errors that name the flag and what is allowed. Defaults and rules come
 * from the settings table (settings.ts).
 */
import { splitHostPort } from './host-port.js';
import { quote } from './limits.js';
import { readSetting, writeSetting } from './setting-path.js';
import { SETTINGS, type Setting } from './settings.js';

export { DEFAULT_MULTICAST_GROUP, DEFAULT_MULTICAST_PORT, defaultDataDir } from './settings.js';

export interface PeerOptions {
  /** Display name, shown to other peers. */
  name: string;
  /** Where identity, history, outbox and trust live. */
  dataDir: string;
  /** Address the PeerWire gRPC server binds. */
  host: string;
  /** PeerWire port; 0 picks a free one. */
  grpcPort: number;
  /** Control API bind address and port (0 picks one); the port -1 turns it off. */
  controlHost: string;
  controlPort: number;
  /** Bearer token the control API requires; generated (and written to the data dir) if empty. */
  controlToken: string;
  multicast: {
    enabled: boolean;
    group: string;
    port: number;
    /** Send and join only on this address; undefined = every LAN (non-internal IPv4) interface. */
    interfaceAddress: string | undefined;
  };
  announceIntervalMs: number;
  expireAfterMs: number;
  /**
   * Freshness window, ms: an announcement signed more than this far from our wall
   * clock is refused, and an accepted seq is remembered this long (replays).
   */
  announceWindowMs: number;
  /** Static seeds, `host:port` of another peer's PeerWire server. */
  seeds: string[];
  keepaliveMs: number;
  /** How long a dial's handshake may take; also how long a wire connection may go without proving itself. */
  handshakeTimeoutMs: number;
  /**
   * Wire connections from one remote address that carry no authenticated session (yet);
   * one more is closed at once. Sessions do not count, so many peers behind one address work.
   */
  connectionsPerAddress: number;
  /** The web UI (peer/web/): off unless `listen` is given. */
  web: {
    /** `host:port` it serves on (port 0 picks one); undefined: no web UI. */
    listen: string | undefined;
    /** Bearer token it accepts; '' means standalone: a one-time login URL instead. */
    token: string;
  };
  /** Open a session to every peer as soon as it is discovered (the lab's key-exchange runs). */
  connectOnDiscovery: boolean;
  gossip: {
    /** Neighbours a new group message is pushed to. */
    fanout: number;
    /** Hops a new group message may travel. */
    ttl: number;
    /** How often to trade a digest with one random neighbour (anti-entropy). */
    digestIntervalMs: number;
  };
  /**
   * A vacant peer (peer/cli/vacant.ts): listen for a claim on this `host:port` and start
   * only then, as the name and data dir the claim carries; undefined starts at once.
   */
  vacant: string | undefined;
  /** Bearer token a claim must carry (a vacant peer's only secret before it is claimed). */
  claimToken: string;
}

/** Named defaults, from the settings table; `name` and `dataDir` follow from the peer's name. */
export function defaultPeerOptions(name: string): PeerOptions {
  const options = {};
  for (const row of SETTINGS) {
    writeSetting(options, row.name, typeof row.default === 'function' ? row.default(name) : row.default);
  }
  return options as PeerOptions;
}

/** A setting that is out of range; names the field and what is allowed. */
export class OptionsError extends Error {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'OptionsError';
  }
}

/** Parses `host:port` or `[v6]:port`; throws naming the seed when it is not one. */
export function parseHostPort(text: string, field = '--seed'): { host: string; port: number } {
  const split = splitHostPort(text);
  if ('problem' in split) throw new OptionsError(field, split.problem);
  return split;
}

/** The allowed range of a number setting, as errors say it: `from 1 to 64`, `≥ 100`. */
export function rangeText(row: Pick<Setting, 'min' | 'max'>): string {
  return row.max === undefined ? `≥ ${row.min ?? 0}` : `from ${row.min ?? 0} to ${row.max}`;
}

/** True when `n` is a whole number in the setting's range. */
export function inRange(row: Pick<Setting, 'min' | 'max'>, n: number): boolean {
  return Number.isInteger(n) && n >= (row.min ?? 0) && n <= (row.max ?? Infinity);
}

/** What is wrong with one setting's value (without the flag), or undefined; `options` are all the settings, for rules that relate them. */
export function settingProblem(row: Setting, value: unknown, options: PeerOptions): string | undefined {
  if (row.off !== undefined && value === row.off.value) return undefined;
  if (row.kind === 'integer' || row.kind === 'duration') {
    if (!inRange(row, value as number)) {
      const shown = typeof value === 'number' ? String(value) : quote(value);
      return `must be a whole number${row.kind === 'duration' ? ' of ms' : ''} ${rangeText(row)}, got ${shown}`;
    }
  }
  if (row.kind === 'endpoint' && value !== undefined) {
    const split = splitHostPort(String(value), 0);
    if ('problem' in split) return split.problem;
  }
  return row.check?.(value as never, options);
}

/** Validates merged options against the settings table; returns them unchanged or throws an OptionsError naming the flag. */
export function validatePeerOptions(options: PeerOptions): PeerOptions {
  for (const row of SETTINGS) {
    const problem = settingProblem(row, readSetting(options, row.name), options);
    if (problem !== undefined) throw new OptionsError(row.flag, problem);
  }
  return options;
}
