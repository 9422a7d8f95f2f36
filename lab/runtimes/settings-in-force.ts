/**
 * The settings a run's peers run with, for the report: every setting a scenario may give
 * (peer/settings.ts rows with a scenario field) and connect-on-discovery, which the lab
 * decides, each with its value and where it came from. Read back from the very arguments
 * the runtimes pass (labPeerArgs) through the peer's own flag parser, so `args` that repeat
 * a flag count as the peer counts them. Ports, addresses, data dirs, multicast and the
 * control token are per peer and chosen by the runtime, so they are not recorded (the
 * token is a secret).
 */
import { parsePeerArgs } from '../../peer/cli/peer-flags.js';
import { defaultPeerOptions, type PeerOptions } from '../../peer/options.js';
import { readSetting } from '../../peer/setting-path.js';
import { SETTINGS, type Setting } from '../../peer/settings.js';
import { LAB_PEER_DEFAULTS, SCENARIO_SETTINGS } from '../scenario/peer-fields.js';
import type { PeerSettings, Scenario } from '../scenario/types.js';
import { labPeerArgs } from './peer-args.js';

/** Who gave a setting its value: the scenario's `peer:` fields (or `--set peer.x`), its `args`, the lab's defaults for its peers, or the peer's own default. */
export type SettingSource = 'scenario' | 'args' | 'lab' | 'peer';

export interface SettingInForce {
  /** Durations in ms. */
  value: number | boolean | string | string[];
  source: SettingSource;
  /** The `peerlab peer` flag. */
  flag: string;
  /** The scenario's `peer:` field, when it has one. */
  field?: string;
}

const RECORDED: readonly Setting[] = [...SCENARIO_SETTINGS, ...SETTINGS.filter((row) => row.name === 'connectOnDiscovery')];

/**
 * Whether the lab's peers open a session to every peer they discover
 * (--connect-on-discovery). A scenario that waits for sessions before any load waits for
 * the gossip views (wait-for.ts): K neighbours a peer, which its view dials one per
 * digest round. In a fleet no bigger than a view (K + 1 peers) the views are the full
 * mesh anyway, and connecting on discovery opens it at once, so the load that follows
 * measures delivery, not the first messages' handshakes. In a bigger fleet it would open
 * N² sessions the peers do not keep (a thousand simulated peers never got past it); the
 * views open theirs, and a direct message dials on demand, as on a real network. A
 * scenario whose load comes first (key-exchange.yaml) lets the load dial, and so times
 * handshakes of warmed-up peers.
 */
export function connectsOnDiscovery(scenario: Pick<Scenario, 'steps' | 'peer'>): boolean {
  const { steps } = scenario;
  const firstSessions = steps.findIndex((s) => s.kind === 'wait_for' && s.condition === 'sessions');
  const firstLoad = steps.findIndex((s) => s.kind === 'load');
  if (firstSessions < 0 || (firstLoad >= 0 && firstLoad < firstSessions)) return false;
  const peers = steps.reduce((sum, step) => sum + (step.kind === 'start' || step.kind === 'join' ? step.count : 0), 0);
  return peers <= gossipNeighbours(scenario.peer) + 1;
}

/** The view size the scenario's peers run with (its `gossip_neighbours`, or the peer's default). */
export function gossipNeighbours(peer: PeerSettings): number {
  return peer['gossip.neighbours'] ?? defaultPeerOptions('p0').gossip.neighbours;
}

/** Every recorded setting, by its name in the settings table (`gossip.fanout`), as the lab's peers run with it. */
export function settingsInForce(peer: PeerSettings, connectOnDiscovery: boolean): Record<string, SettingInForce> {
  let args = peer.args ?? [];
  let options: PeerOptions;
  try {
    options = parsePeerArgs(['--name', 'p0', ...labPeerArgs(peer, connectOnDiscovery)]);
  } catch {
    // A peer refuses these args and never ran with them: what it was given without them.
    args = [];
    options = parsePeerArgs(['--name', 'p0', ...labPeerArgs({ ...peer, args }, connectOnDiscovery)]);
  }
  const inForce: Record<string, SettingInForce> = {};
  for (const row of RECORDED) {
    const source: SettingSource = args.some((a) => givesFlag(a, row)) ? 'args'
      : row.name in peer ? 'scenario'
      : row.name in LAB_PEER_DEFAULTS || (row.name === 'connectOnDiscovery' && connectOnDiscovery) ? 'lab'
      : 'peer';
    const entry: SettingInForce = { value: readSetting(options, row.name) as SettingInForce['value'], source, flag: row.flag };
    if (row.scenario !== undefined) entry.field = row.scenario;
    inForce[row.name] = entry;
  }
  return inForce;
}

function givesFlag(arg: string, row: Setting): boolean {
  return arg === row.flag || arg.startsWith(`${row.flag}=`) || (row.off !== undefined && arg === row.off.flag);
}
