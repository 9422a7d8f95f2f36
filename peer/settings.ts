/**
 * The peer's settings in one table: a row per setting, with its flag, its scenario
 * field, its kind, default, allowed range and help. The defaults and the validator
 * (options.ts), the `peerlab peer` flags (cli/peer-flags.ts), the lab's `peer:`
 * scenario fields (lab/scenario/peer-fields.ts), the arguments the lab's runtimes pass
 * and the generated flag tables in the READMEs all come from here: a new setting is a
 * field in PeerOptions and a row below (the compiler refuses one without the other).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isIPv4 } from 'node:net';
import { DEFAULT_GOSSIP_OPTIONS } from './core/gossip-router.js';
import { hostProblem, nameProblem } from './discovery/announcement-fields.js';
import { isMulticastGroup } from './discovery/discovery-options.js';
import { ANNOUNCE_WINDOW_LIMITS, DEFAULT_ANNOUNCE_WINDOW_MS } from './discovery/freshness.js';
import { splitHostPort } from './host-port.js';
import { parseRegistryUrl } from './registry/registry-url.js';
import { quote } from './limits.js';
import type { PeerOptions } from './options.js';

/** Groups of settings nested in PeerOptions (`multicast`, `gossip`). */
type Group = { [K in keyof PeerOptions]: PeerOptions[K] extends unknown[] ? never : PeerOptions[K] extends object ? K : never }[keyof PeerOptions];

/** A setting's place in PeerOptions: `keepaliveMs`, or `gossip.fanout` inside a group. */
export type SettingName = Exclude<keyof PeerOptions, Group> | { [G in Group]: `${G}.${keyof PeerOptions[G] & string}` }[Group];

/** The type of the value at a setting's place. */
export type SettingValue<P extends SettingName> = P extends `${infer G extends Group}.${infer K}`
  ? K extends keyof PeerOptions[G] ? PeerOptions[G][K] : never
  : P extends keyof PeerOptions ? PeerOptions[P] : never;

/** Every setting's value, flat, by name. */
export type SettingValues = { [P in SettingName]: SettingValue<P> };

/**
 * What a value is: `integer` and `duration` (whole ms) are numbers given on the command
 * line as digits, and a scenario writes durations as `250ms`/`2s`; `address` is a host
 * or IP; `endpoint` is `host:port` (port 0: any free one); `list` is a flag given once per item.
 */
export type SettingKind = 'integer' | 'duration' | 'boolean' | 'string' | 'address' | 'endpoint' | 'list';

/** One row of the table. */
export interface Setting<P extends SettingName = SettingName, S extends string | undefined = string | undefined> {
  name: P;
  /** The `peerlab peer` flag; a boolean that is on by default is turned off with `--no-…`. */
  flag: string;
  /** The flag's argument as help shows it; by kind when absent (N, MS, ADDR). */
  arg?: string;
  /** The field in a scenario's `peer:` mapping; absent for settings the lab owns (ports, data dir, discovery). */
  scenario?: S;
  kind: SettingKind;
  /** The default value, or how it follows from the peer's name. */
  default: SettingValue<P> | ((peerName: string) => SettingValue<P>);
  /** How the default reads in help and the README when it is not a plain value (markdown). */
  defaultText?: string;
  /** Inclusive bounds of an integer or duration. */
  min?: number;
  max?: number;
  /** Further rules: a problem (without the flag) or undefined; may look at the other settings. */
  check?(value: SettingValue<P>, options: PeerOptions): string | undefined;
  /** Environment variable read when the flag is not given. */
  env?: string;
  /** A second flag that sets one special value (`--no-control` sets the control port to -1). */
  off?: { flag: string; value: SettingValue<P>; help: string };
  /** Must be given on the command line (unless `--vacant`: a vacant peer gets it from its claim). */
  required?: boolean;
  /** One line for --help and the README (markdown: `code` and [links](#anchor) read well in both). */
  help: string;
}

/** Types one row; `scenario` keeps its literal so the lab's settings type can follow the table. */
function setting<P extends SettingName, S extends string | undefined = undefined>(row: Setting<P, S>): Setting<P, S> {
  return row;
}

export const DEFAULT_MULTICAST_GROUP = '239.255.77.77';
export const DEFAULT_MULTICAST_PORT = 47474;

/** A peer's name as a directory name: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function dataDirName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The default data dir of a named peer: ~/.peerlab/<name>. */
export function defaultDataDir(name: string): string {
  return join(homedir(), '.peerlab', dataDirName(name));
}

/** The table, in the order help and the README list the flags. */
const TABLE = [
  setting({
    name: 'name', flag: '--name', arg: 'NAME', kind: 'string', required: true, default: (peerName) => peerName,
    check: (name) => { const issue = nameProblem(name); return issue === undefined ? undefined : `${quote(name)} ${issue}`; },
    help: 'display name other peers see; 1–64 bytes, no control characters (a `--vacant` peer gets it from its claim)',
  }),
  setting({
    name: 'dataDir', flag: '--data', arg: 'DIR', kind: 'string', default: defaultDataDir, defaultText: '`~/.peerlab/NAME`',
    help: 'identity, history, outbox, trust list; one peer per dir (locked)',
  }),
  setting({ name: 'host', flag: '--host', kind: 'address', default: '0.0.0.0', help: 'address the peer-to-peer gRPC server binds' }),
  setting({ name: 'grpcPort', flag: '--port', kind: 'integer', default: 0, min: 0, max: 65535, help: 'peer-to-peer gRPC port (0: any free port)' }),
  setting({ name: 'controlHost', flag: '--control-host', kind: 'address', default: '127.0.0.1', help: 'address the control API binds' }),
  setting({
    name: 'controlPort', flag: '--control-port', kind: 'integer', default: 0, min: 0, max: 65535,
    off: { flag: '--no-control', value: -1, help: 'no control API' },
    help: 'control API port (0: any free port; the `ready` event says which)',
  }),
  setting({
    name: 'controlToken', flag: '--control-token', arg: 'TOKEN', kind: 'string', default: '', defaultText: 'generated', env: 'PEERLAB_CONTROL_TOKEN',
    // The token is a secret: the error does not repeat it.
    check: (token) => (token !== '' && token.length < 16 ? 'must be at least 16 characters' : undefined),
    help: 'bearer token the control API requires; when not given, read from or saved to `DATA/control.token`; at least 16 characters',
  }),
  setting({ name: 'multicast.enabled', flag: '--no-multicast', kind: 'boolean', default: true, help: 'no UDP multicast discovery (use `--seed`)' }),
  setting({
    name: 'multicast.group', flag: '--multicast-group', kind: 'address', default: DEFAULT_MULTICAST_GROUP,
    check: (group) => (isMulticastGroup(group) ? undefined : `must be an IPv4 multicast address (224.0.0.0–239.255.255.255), got ${quote(group)}`),
    help: 'group for announcements',
  }),
  setting({ name: 'multicast.port', flag: '--multicast-port', kind: 'integer', default: DEFAULT_MULTICAST_PORT, min: 1, max: 65535, help: 'UDP port for announcements' }),
  setting({
    name: 'multicast.interfaceAddress', flag: '--interface', kind: 'address', default: undefined, defaultText: 'every LAN interface',
    check: (address) => (address === undefined || isIPv4(address) ? undefined : `must be the IPv4 address of a local interface, got ${quote(address)}`),
    help: 'send and join multicast only on this local IPv4 address; `127.0.0.1` keeps everything on this machine',
  }),
  setting({ name: 'announceIntervalMs', flag: '--announce-interval', scenario: 'announce_interval', kind: 'duration', default: 1000, min: 10, help: 'how often to announce' }),
  setting({
    name: 'expireAfterMs', flag: '--expire-after', scenario: 'expire_after', kind: 'duration', default: 5000, min: 20,
    // One lost announcement must not take a live peer down.
    check: (ms, o) => (ms >= 2 * o.announceIntervalMs ? undefined : `must be at least twice the announce interval (${2 * o.announceIntervalMs} ms), got ${ms}`),
    help: 'forget a peer not heard from for this long (≥ 2 × the interval)',
  }),
  setting({
    name: 'announceWindowMs', flag: '--announce-window', scenario: 'announce_window', kind: 'duration', default: DEFAULT_ANNOUNCE_WINDOW_MS,
    min: ANNOUNCE_WINDOW_LIMITS.minMs, max: ANNOUNCE_WINDOW_LIMITS.maxMs,
    help: `refuse an announcement signed more than this far from this peer's clock, before or after (${ANNOUNCE_WINDOW_LIMITS.minMs}–${ANNOUNCE_WINDOW_LIMITS.maxMs}; see [Freshness](#freshness))`,
  }),
  setting({
    name: 'maxAnnouncementsPerSecond', flag: '--max-announcements-per-second', scenario: 'max_announcements_per_second', kind: 'integer', default: 100, min: 1,
    help: 'announcements each peer should receive per second at most: with more peers than this × the interval, the interval and `--expire-after` grow in proportion (the configured ones stay below)',
  }),
  setting({
    name: 'seeds', flag: '--seed', arg: 'HOST:PORT', kind: 'list', default: [],
    check: (seeds) => seeds.map((seed) => splitHostPort(seed)).map((seed) => ('problem' in seed ? seed.problem : undefined)).find((p) => p !== undefined),
    help: "another peer's gRPC address; the two trade signed announcements every interval (repeatable)",
  }),
  setting({
    name: 'registries', flag: '--registry', arg: 'URL', kind: 'list', default: [],
    check: (urls) => urls.map(parseRegistryUrl).map((url) => ('problem' in url ? url.problem : undefined)).find((p) => p !== undefined),
    help: '`etcd://HOST:PORT[/prefix]` or `consul://HOST:PORT`: register there and watch it for peers, as with multicast (repeatable; see [Registries](#registries))',
  }),
  setting({
    name: 'registryAddress', flag: '--registry-address', kind: 'address', default: undefined, defaultText: '`--host`, or the first LAN IPv4 address',
    check: (address) => (address === undefined || hostProblem(address) === undefined ? undefined : `must be a host name or address, got ${quote(address)}`),
    help: 'address other peers dial, written beside the signed announcement in a registry entry',
  }),
  setting({ name: 'keepaliveMs', flag: '--keepalive', scenario: 'keepalive_interval', kind: 'duration', default: 5000, min: 100, help: 'ping a session silent this long (checked this often); close one silent for 3 × this' }),
  setting({
    name: 'handshakeTimeoutMs', flag: '--handshake-timeout', scenario: 'handshake_timeout', kind: 'duration', default: 5000, min: 100,
    help: "give up a dial's handshake after this long; close a wire connection that has gone this long without completing a Handshake or Exchange and carries no session",
  }),
  setting({
    name: 'connectionsPerAddress', flag: '--connections-per-address', scenario: 'connections_per_address', kind: 'integer', default: 64, min: 1,
    help: 'wire connections one remote address may hold that carry no authenticated session; one more is closed at once (sessions do not count, so many peers on one address are fine)',
  }),
  setting({
    // The endpoint kind's own check (peer/options.ts) reads HOST:PORT.
    name: 'web.listen', flag: '--web', kind: 'endpoint', default: undefined, defaultText: 'off',
    help: 'serve the [web UI](#web-ui) on this address (`127.0.0.1:0`: any free port; the `ready` event says which)',
  }),
  setting({
    name: 'web.token', flag: '--web-token', arg: 'TOKEN', kind: 'string', default: '', defaultText: 'a one-time login URL', env: 'PEERLAB_WEB_TOKEN',
    // The token is a secret: the error does not repeat it.
    check: (token) => (token !== '' && token.length < 16 ? 'must be at least 16 characters' : undefined),
    help: 'bearer token the web UI accepts (`Authorization: Bearer TOKEN`, what a dispatcher adds); when not given, the peer prints a one-time login URL instead; at least 16 characters',
  }),
  setting({ name: 'connectOnDiscovery', flag: '--connect-on-discovery', kind: 'boolean', default: false, help: 'open a session to every peer as soon as it is discovered' }),
  setting({
    name: 'idleSessionMs', flag: '--idle-session-timeout', scenario: 'idle_session_timeout', kind: 'duration', default: 30_000, min: 1000,
    help: 'close a session that carried no direct message and no gossip for this long, unless it is to a gossip neighbour (a message opens one again)',
  }),
  setting({
    name: 'gossip.neighbours', flag: '--gossip-neighbours', scenario: 'gossip_neighbours', kind: 'integer', default: 8, min: 1, max: 64,
    help: 'most gossip neighbours: group messages are pushed to and digests traded with these, not with every peer known (1–64)',
  }),
  setting({ name: 'gossip.fanout', flag: '--fanout', scenario: 'fanout', kind: 'integer', default: 4, min: 1, max: 64, help: 'neighbours a new group message is pushed to (1–64)' }),
  setting({
    name: 'gossip.ttl', flag: '--gossip-ttl', scenario: 'gossip_ttl', kind: 'integer', default: 8, min: 1, max: DEFAULT_GOSSIP_OPTIONS.maxTtl,
    help: `hops a new group message may travel (1–${DEFAULT_GOSSIP_OPTIONS.maxTtl}; every peer caps copies at ${DEFAULT_GOSSIP_OPTIONS.maxTtl})`,
  }),
  setting({
    name: 'gossip.digestIntervalMs', flag: '--digest-interval', scenario: 'digest_interval', kind: 'duration', default: 1000, min: 50,
    help: 'how often to trade a digest of recent group message ids with one random neighbour',
  }),
  setting({
    name: 'vacant', flag: '--vacant', kind: 'endpoint', default: undefined, defaultText: 'off',
    help: 'start with no identity and wait for a claim (`POST /claim` on HOST:PORT, port 0: any) that names the user, the data dir and the tokens; then run as that peer. What a warm pool is made of; see [Vacant peers](#vacant-peers)',
  }),
  setting({
    name: 'claimToken', flag: '--claim-token', arg: 'TOKEN', kind: 'string', default: '', defaultText: 'none', env: 'PEERLAB_CLAIM_TOKEN',
    // A secret: the error does not repeat it.
    check: (token, o) => (o.vacant !== undefined && token.length < 16 ? 'a vacant peer needs one of at least 16 characters' : undefined),
    help: 'bearer token a claim must carry; at least 16 characters; required with `--vacant`',
  }),
] as const;

/** Every row, for code that handles any setting. */
export const SETTINGS: readonly Setting[] = TABLE;

/** Names that have a scenario field. */
type ScenarioName<R> = R extends Setting<infer P, infer S> ? (S extends string ? P : never) : never;
export type ScenarioSettingName = ScenarioName<(typeof TABLE)[number]>;
/** The settings a scenario may give, by name (`gossip.fanout: 8`). */
export type ScenarioSettingValues = Partial<Pick<SettingValues, ScenarioSettingName>>;

// Every PeerOptions field has a row: when one is missing this stops compiling, naming it.
type Missing = Exclude<SettingName, (typeof TABLE)[number]['name']>;
const everySettingHasARow: [Missing] extends [never] ? true : ['PeerOptions fields without a row in SETTINGS:', Missing] = true;
void everySettingHasARow;
