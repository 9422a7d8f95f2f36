/**
 * A peer's settings: a partial merged over named defaults, validated once,
 * with errors that name the field and what is allowed.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isIPv4 } from 'node:net';
import { nameProblem } from './discovery/announcement-fields.js';
import { ANNOUNCE_WINDOW_LIMITS, DEFAULT_ANNOUNCE_WINDOW_MS } from './discovery/freshness.js';
import { LIMITS, quote, utf8Length } from './limits.js';

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
}

export const DEFAULT_MULTICAST_GROUP = '239.255.77.77';
export const DEFAULT_MULTICAST_PORT = 47474;

/** The default data dir of a named peer: ~/.peerlab/<name>. */
export function defaultDataDir(name: string): string {
  return join(homedir(), '.peerlab', name.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** Named defaults; `name` and `dataDir` have none that fits every peer. */
export function defaultPeerOptions(name: string): PeerOptions {
  return {
    name,
    dataDir: defaultDataDir(name),
    host: '0.0.0.0',
    grpcPort: 0,
    controlHost: '127.0.0.1',
    controlPort: 0,
    controlToken: '',
    multicast: { enabled: true, group: DEFAULT_MULTICAST_GROUP, port: DEFAULT_MULTICAST_PORT, interfaceAddress: undefined },
    announceIntervalMs: 1000,
    expireAfterMs: 5000,
    announceWindowMs: DEFAULT_ANNOUNCE_WINDOW_MS,
    seeds: [],
    keepaliveMs: 5000,
    handshakeTimeoutMs: 5000,
    connectionsPerAddress: 64,
    connectOnDiscovery: false,
    gossip: { fanout: 4, ttl: 8, digestIntervalMs: 1000 },
  };
}

/** A setting that is out of range; names the field and what is allowed. */
export class OptionsError extends Error {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'OptionsError';
  }
}

function checkPort(field: string, port: number, allowZero: boolean): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new OptionsError(field, `must be a port number ${allowZero ? '0' : '1'}–65535, got ${port}`);
  }
}

/** Parses `host:port` or `[v6]:port`; throws naming the seed when it is not one. */
export function parseHostPort(text: string, field = '--seed'): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!match) throw new OptionsError(field, `expected host:port, got ${quote(text)}`);
  const port = Number(match[2]);
  checkPort(field, port, false);
  if (utf8Length(match[1]!) > LIMITS.hostBytes) throw new OptionsError(field, 'host name is too long');
  return { host: match[1]!, port };
}

/** Validates merged options; returns them unchanged or throws an OptionsError. */
export function validatePeerOptions(options: PeerOptions): PeerOptions {
  const nameIssue = nameProblem(options.name);
  if (nameIssue !== undefined) throw new OptionsError('--name', `${quote(options.name)} ${nameIssue}`);
  checkPort('--port', options.grpcPort, true);
  if (options.controlPort !== -1) checkPort('--control-port', options.controlPort, true);
  const { group, port, interfaceAddress } = options.multicast;
  if (!isIPv4(group) || Number(group.split('.')[0]) < 224 || Number(group.split('.')[0]) > 239) {
    throw new OptionsError('--multicast-group', `must be an IPv4 multicast address (224.0.0.0–239.255.255.255), got ${quote(group)}`);
  }
  checkPort('--multicast-port', port, false);
  if (interfaceAddress !== undefined && !isIPv4(interfaceAddress)) {
    throw new OptionsError('--interface', `must be the IPv4 address of a local interface, got ${quote(interfaceAddress)}`);
  }
  if (!(options.announceIntervalMs >= 10)) {
    throw new OptionsError('--announce-interval', `must be at least 10 ms, got ${options.announceIntervalMs}`);
  }
  if (!(options.expireAfterMs >= 2 * options.announceIntervalMs)) {
    throw new OptionsError(
      '--expire-after',
      `must be at least twice the announce interval (${2 * options.announceIntervalMs} ms), got ${options.expireAfterMs}`,
    );
  }
  const { minMs, maxMs } = ANNOUNCE_WINDOW_LIMITS;
  const windowMs = options.announceWindowMs;
  if (!Number.isInteger(windowMs) || windowMs < minMs || windowMs > maxMs) {
    throw new OptionsError('--announce-window', `must be a whole number of ms from ${minMs} to ${maxMs}, got ${windowMs}`);
  }
  if (!(options.keepaliveMs >= 100)) throw new OptionsError('--keepalive', `must be at least 100 ms, got ${options.keepaliveMs}`);
  if (!(options.handshakeTimeoutMs >= 100)) {
    throw new OptionsError('--handshake-timeout', `must be at least 100 ms, got ${options.handshakeTimeoutMs}`);
  }
  if (!Number.isInteger(options.connectionsPerAddress) || options.connectionsPerAddress < 1) {
    throw new OptionsError('--connections-per-address', `must be a whole number ≥ 1, got ${quote(options.connectionsPerAddress)}`);
  }
  for (const seed of options.seeds) parseHostPort(seed);
  const { fanout, ttl, digestIntervalMs } = options.gossip;
  if (!Number.isInteger(fanout) || fanout < 1 || fanout > 64) throw new OptionsError('--fanout', `must be 1–64, got ${fanout}`);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 16) throw new OptionsError('--gossip-ttl', `must be 1–16 (the cap every peer enforces), got ${ttl}`);
  if (!(digestIntervalMs >= 50)) throw new OptionsError('--digest-interval', `must be at least 50 ms, got ${digestIntervalMs}`);
  if (options.controlToken !== '' && options.controlToken.length < 16) {
    throw new OptionsError('--control-token', 'must be at least 16 characters');
  }
  return options;
}
