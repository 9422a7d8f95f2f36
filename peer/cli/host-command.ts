/**
 * `peerlab host --peers K --data DIR [peer flags…]`: one process running K peers
 * (peer/host/), each with its own identity, data dir (DIR/<name>), gRPC server and
 * multicast socket, behind one control server that routes calls by peer. Prints one
 * ready line, then runs until SIGINT/SIGTERM, which stops every peer gracefully.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolveControlToken } from '../control/control-server.js';
import { serveHostControl } from '../host/host-control.js';
import { PeerHost } from '../host/peer-host.js';
import { OptionsError, validatePeerOptions } from '../options.js';
import { SETTINGS } from '../settings.js';
import { optionsFromFlags, settingOption } from './peer-flags.js';

/** Settings that are each hosted peer's own, not flags of the host: its name, and its port (each binds a free one). */
const PER_PEER = new Set(['name', 'grpcPort']);

/** The most peers one host starts from its command line (more can be started through the Host service). */
const MAX_PEERS = 10_000;

/** Peers started at once when the host comes up: enough to overlap their file syncs, few enough not to open thousands of files at once. */
const STARTING_AT_ONCE = 16;

interface HostFlags extends Record<string, unknown> {
  peers?: number;
  names?: string[];
  json?: boolean;
}

/** The `host` subcommand; the peer flags come from the settings table, as `peerlab peer`'s do. */
export function hostCommand(): Command {
  const command = new Command('host')
    .description('run many messenger peers in one process, each its own identity, data dir (DATA/NAME) and gRPC server, one control API for all')
    .exitOverride()
    .addOption(new Option('--peers <k>', `peers to start now, named p0 … p(K-1) unless --names says (0–${MAX_PEERS}; more start through the Host service)`).argParser(peerCount))
    .addOption(new Option('--names <list>', 'comma-separated names of the peers to start (instead of p0 …)').argParser((text) => text.split(',').map((n) => n.trim())))
    .addOption(new Option('--json', 'print the ready line as JSON (`"type": "host_ready"`)'))
    .action(async (flags: HostFlags) => {
      await runHost(flags);
    });
  for (const row of SETTINGS) {
    if (PER_PEER.has(row.name)) continue;
    const option = settingOption(row);
    if (row.name === 'dataDir') option.makeOptionMandatory().description = 'where each peer keeps its data, in DIR/NAME (one dir per peer, locked)';
    command.addOption(option);
    if (row.off) command.addOption(new Option(row.off.flag, row.off.help));
  }
  return command;
}

function peerCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > MAX_PEERS) throw new InvalidArgumentError(`--peers must be a whole number from 0 to ${MAX_PEERS}, got "${text}"`);
  return n;
}

/** The names to start: --names, or p0 … p(K-1); both given must agree on how many. */
function namesOf(flags: HostFlags): string[] {
  const { peers, names } = flags;
  if (names && peers !== undefined && names.length !== peers) {
    throw new OptionsError('--names', `names ${names.length} peers but --peers says ${peers}`);
  }
  if (names && new Set(names).size !== names.length) throw new OptionsError('--names', 'names a peer twice');
  return names ?? Array.from({ length: peers ?? 0 }, (_, i) => `p${i}`);
}

async function runHost(flags: HostFlags): Promise<void> {
  // The name only fills in defaults that follow from it; each hosted peer gets its own.
  const base = optionsFromFlags({ ...flags, name: 'host' });
  validatePeerOptions({ ...base, name: 'p0' });
  const names = namesOf(flags);
  const host = new PeerHost(base, base.dataDir);
  const stop = () => host.close();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(0)));
  }
  let control;
  try {
    for (let i = 0; i < names.length; i += STARTING_AT_ONCE) {
      await Promise.all(names.slice(i, i + STARTING_AT_ONCE).map((name) => host.start(name)));
    }
    if (base.controlPort !== -1) {
      const token = await resolveControlToken(base.dataDir, base.controlToken);
      control = await serveHostControl(host, { host: base.controlHost, port: base.controlPort, token });
    }
  } catch (err) {
    await host.close();
    throw err;
  }
  for (const peer of host.peers()) {
    for (const event of peer.startupEvents) if (event.type === 'error') process.stderr.write(`peerlab: ${peer.options.name}: ${event.message}\n`);
  }
  const peers = host.list().map(({ name, id, grpcPort }) => ({ name, id, grpcPort }));
  const controlPort = control?.port ?? 0;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ type: 'host_ready', atMs: Date.now(), controlPort, dataDir: base.dataDir, peers })}\n`);
  } else {
    const shown = peers.length <= 8 ? peers.map((p) => p.name).join(', ') : `${peers.slice(0, 8).map((p) => p.name).join(', ')}, …`;
    process.stdout.write(`peerlab host: ${peers.length} peers${peers.length ? ` (${shown})` : ''}, control API on port ${controlPort || 'off'}, data in ${base.dataDir}\n`);
  }
}
