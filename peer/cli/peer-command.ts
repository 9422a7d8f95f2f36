/**
 * `peerlab peer`: flags to options, start the peer and its control API, run
 * the command loop, stop cleanly on /quit, end of input or a signal.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ControlServer, resolveControlToken } from '../control/control-server.js';
import { ANNOUNCE_WINDOW_LIMITS, DEFAULT_ANNOUNCE_WINDOW_MS } from '../discovery/freshness.js';
import type { PeerEvent } from '../events.js';
import { quote } from '../limits.js';
import { defaultDataDir, defaultPeerOptions, DEFAULT_MULTICAST_GROUP, DEFAULT_MULTICAST_PORT, type PeerOptions } from '../options.js';
import { Peer } from '../peer.js';
import { runRepl } from './repl.js';

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${name} must be a whole number ${range}, got ${quote(value)}`);
    }
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The `peer` subcommand. */
export function peerCommand(): Command {
  return new Command('peer')
    .description('run a messenger peer: discovers peers, opens encrypted sessions, reads commands on stdin')
    .requiredOption('--name <name>', 'display name other peers see')
    .option('--data <dir>', 'data directory: identity, history, outbox (default ~/.peerlab/<name>)')
    .option('--host <addr>', 'address the peer-to-peer gRPC server binds', '0.0.0.0')
    .option('--port <n>', 'peer-to-peer gRPC port (0 = any free port)', integer('--port', 0), 0)
    .option('--control-host <addr>', 'address the control API binds', '127.0.0.1')
    .option('--control-port <n>', 'control API port (0 = any free port)', integer('--control-port', 0), 0)
    .option('--no-control', 'do not serve the control API')
    .addOption(
      new Option('--control-token <token>', 'bearer token the control API requires (default: generated, saved in <data>/control.token)').env(
        'PEERLAB_CONTROL_TOKEN',
      ),
    )
    .option('--no-multicast', 'do not discover peers by UDP multicast')
    .option('--multicast-group <addr>', 'multicast group for announcements', DEFAULT_MULTICAST_GROUP)
    .option('--multicast-port <n>', 'multicast UDP port', integer('--multicast-port', 1), DEFAULT_MULTICAST_PORT)
    .option('--interface <addr>', 'send and listen for multicast only on this local IPv4 address (default: every LAN interface); use 127.0.0.1 to stay on this machine')
    .option('--announce-interval <ms>', 'how often to announce, ms', integer('--announce-interval', 10), 1000)
    .option('--expire-after <ms>', 'forget a peer not heard from for this long, ms', integer('--expire-after', 20), 5000)
    .option(
      '--announce-window <ms>',
      "refuse an announcement signed more than this far from this peer's clock (replays of old presence), ms",
      integer('--announce-window', ANNOUNCE_WINDOW_LIMITS.minMs, ANNOUNCE_WINDOW_LIMITS.maxMs),
      DEFAULT_ANNOUNCE_WINDOW_MS,
    )
    .option('--seed <host:port>', "another peer's gRPC address to exchange announcements with (repeatable)", collect, [])
    .option('--keepalive <ms>', 'ping idle sessions this often; drop one silent for 3× this', integer('--keepalive', 100), 5000)
    .option(
      '--handshake-timeout <ms>',
      'give up a handshake after this long; close a wire connection that has not completed one for this long',
      integer('--handshake-timeout', 100),
      5000,
    )
    .option(
      '--connections-per-address <n>',
      'wire connections one remote address may hold without a session; one more is closed at once',
      integer('--connections-per-address', 1),
      64,
    )
    .option('--connect-on-discovery', 'open a session to every peer as soon as it is discovered')
    .option('--fanout <n>', 'neighbours a new group message is pushed to', integer('--fanout', 1), 4)
    .option('--gossip-ttl <n>', 'hops a new group message may travel (every peer caps it at 16)', integer('--gossip-ttl', 1), 8)
    .option('--digest-interval <ms>', 'how often to trade a digest of recent group messages with a random neighbour', integer('--digest-interval', 50), 1000)
    .option('--json', 'print every event and result as one JSON line with a "type" field')
    .option('--no-color', 'no colours, even on a terminal')
    .option('--no-stdin', 'do not read commands; run until SIGINT or SIGTERM (for the lab and services)')
    .action(async (flags) => {
      await runPeer(flags);
    });
}

interface PeerFlags {
  name: string;
  data?: string;
  host: string;
  port: number;
  controlHost: string;
  controlPort: number;
  control: boolean;
  controlToken?: string;
  multicast: boolean;
  multicastGroup: string;
  multicastPort: number;
  interface?: string;
  announceInterval: number;
  expireAfter: number;
  announceWindow: number;
  seed: string[];
  keepalive: number;
  handshakeTimeout: number;
  connectionsPerAddress: number;
  connectOnDiscovery?: boolean;
  fanout: number;
  gossipTtl: number;
  digestInterval: number;
  json?: boolean;
  color: boolean;
  stdin: boolean;
}

/** Builds PeerOptions from parsed flags (validated by the peer when it starts). */
export function optionsFromFlags(flags: PeerFlags): PeerOptions {
  const defaults = defaultPeerOptions(flags.name);
  return {
    ...defaults,
    dataDir: flags.data ?? defaultDataDir(flags.name),
    host: flags.host,
    grpcPort: flags.port,
    controlHost: flags.controlHost,
    controlPort: flags.control ? flags.controlPort : -1,
    controlToken: flags.controlToken ?? '',
    multicast: { enabled: flags.multicast, group: flags.multicastGroup, port: flags.multicastPort, interfaceAddress: flags.interface },
    announceIntervalMs: flags.announceInterval,
    expireAfterMs: flags.expireAfter,
    announceWindowMs: flags.announceWindow,
    seeds: flags.seed,
    keepaliveMs: flags.keepalive,
    handshakeTimeoutMs: flags.handshakeTimeout,
    connectionsPerAddress: flags.connectionsPerAddress,
    connectOnDiscovery: flags.connectOnDiscovery ?? false,
    gossip: { fanout: flags.fanout, ttl: flags.gossipTtl, digestIntervalMs: flags.digestInterval },
  };
}

async function runPeer(flags: PeerFlags): Promise<void> {
  const options = optionsFromFlags(flags);
  const json = flags.json ?? false;
  const peer = await Peer.start(options);
  // Startup problems (store damage) go to stderr whatever the output mode, so a person or a log sees them.
  for (const event of peer.startupEvents) if (event.type === 'error') process.stderr.write(`peerlab: ${event.message}\n`);
  // Peers are heard from the moment discovery starts: hold those events until the ready line is out.
  const early: PeerEvent[] = [];
  const hold = (event: PeerEvent) => early.push(event);
  peer.events.on('event', hold);
  let control: ControlServer | undefined;
  try {
    if (options.controlPort !== -1) {
      const token = await resolveControlToken(options.dataDir, options.controlToken);
      control = await ControlServer.start(peer, options.controlHost, options.controlPort, token);
    }
  } catch (err) {
    await peer.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await control?.stop();
      await peer.stop();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(0)));
  }
  const ready: PeerEvent = {
    type: 'ready',
    atMs: Date.now(),
    id: peer.identity.id,
    name: options.name,
    fingerprint: peer.identity.fingerprint,
    grpcPort: peer.grpcPort,
    controlPort: control?.port ?? 0,
  };
  peer.events.off('event', hold);
  if (!flags.stdin) {
    // No command loop: print events until a signal stops us.
    const write = (event: PeerEvent) => {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    };
    for (const event of [ready, ...peer.startupEvents, ...early]) write(event);
    peer.events.on('event', write);
    return;
  }
  const colour = flags.color && Boolean(process.stdout.isTTY);
  // On a terminal the stderr line already said it; JSON output carries every event.
  const startup = json ? peer.startupEvents : [];
  await runRepl(peer, { json, colour, input: process.stdin, output: process.stdout, initialEvents: [ready, ...startup, ...early] });
  await stop();
  process.exit(0);
}
