/**
 * `peerlab host`: several real peers in one process, driven through its one control API.
 * They must find each other over loopback multicast and talk over real gRPC sessions, each
 * with its own identity, port and data dir; Control calls are answered by the peer the
 * metadata names; one peer can crash, restart and pause while the others go on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../peer/control/control-client.js';
import { HostedPeerState } from '../peer/control/host-client.js';
import type { PeerEvent } from '../peer/events.js';
import { startHostProcess, type StartedHostProcess } from '../lab/runtimes/process/host-process.js';
import { randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';
import { runCli } from './support/lab-cli.js';
import { failure } from './support/control-failure.js';
import { waitFor } from './support/wait-for.js';

const WAIT_MS = 20_000;
const SETTINGS = { announceIntervalMs: 200, expireAfterMs: 1500, keepaliveMs: 500 };

let dir: string;
let host: StartedHostProcess;
const peers = new Map<string, ControlClient>();
const ids = new Map<string, string>();

/** The Control API of hosted peer `name`. */
function control(name: string): ControlClient {
  let client = peers.get(name);
  if (!client) peers.set(name, (client = host.client.peer(name)));
  return client;
}

/** Collects one hosted peer's events until the test ends. */
async function subscribe(name: string): Promise<{ events: PeerEvent[]; ended: Promise<grpc.ServiceError | undefined>; close(): void }> {
  const events: PeerEvent[] = [];
  let end: (error?: grpc.ServiceError) => void = () => {};
  const ended = new Promise<grpc.ServiceError | undefined>((resolve) => (end = resolve));
  const subscription = control(name).subscribe((event) => events.push(event), end);
  await subscription.ready;
  return { events, ended, close: () => subscription.close() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-host-test-'));
  host = await startHostProcess({ name: 'h0', dataRoot: dir, network: randomLoopbackNetwork(), settings: SETTINGS, peers: ['p0', 'p1', 'p2'], startTimeoutMs: WAIT_MS });
  for (const p of host.ready.peers) ids.set(p.name, p.id);
});

afterAll(async () => {
  for (const client of peers.values()) client.close();
  await host?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('peerlab host', () => {
  it('runs peers with identities, ports and data dirs of their own, answering each by the metadata that names it', async () => {
    const ready = host.ready.peers;
    expect(ready.map((p) => p.name)).toEqual(['p0', 'p1', 'p2']);
    expect(new Set(ready.map((p) => p.id)).size).toBe(3);
    expect(new Set(ready.map((p) => p.grpcPort)).size).toBe(3);
    for (const p of ready) {
      const me = await control(p.name).whoami();
      expect(me).toMatchObject({ id: p.id, name: p.name, grpcPort: p.grpcPort, controlPort: host.ready.controlPort });
    }
    const listed = await host.client.list();
    expect(listed.peers.map((p) => [p.name, p.state, p.dataDir])).toEqual(ready.map((p) => [p.name, HostedPeerState.HOSTED_PEER_STATE_RUNNING, join(dir, p.name)]));
  });

  it('refuses a Control call that names no peer, or one it does not host, saying which', async () => {
    const bare = new ControlClient(`127.0.0.1:${host.ready.controlPort}`, host.controlToken);
    try {
      const unnamed = await failure(bare.whoami());
      expect(unnamed.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(unnamed.message).toContain('x-peerlab-peer');
      expect(unnamed.message).toContain('p0, p1, p2');
    } finally {
      bare.close();
    }
    const unknown = await failure(control('nobody').listPeers());
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    expect(unknown.message).toContain('"nobody"');
    const badName = await failure(host.client.start('a\u0007b'));
    expect(badName.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('hosted peers discover each other and deliver a message over a real session, seen only in the recipient\'s events', async () => {
    await waitFor(async () => {
      const lists = await Promise.all(['p0', 'p1', 'p2'].map((n) => control(n).listPeers()));
      return lists.every((list) => list.length === 2);
    }, WAIT_MS, 'every hosted peer to see the two others', undefined, 100);
    const p2 = await subscribe('p2');
    const p1 = await subscribe('p1');
    try {
      const { messageId } = await control('p0').send(ids.get('p2')!, 'across the host');
      await waitFor(() => p2.events.some((e) => e.type === 'message' && e.messageId === messageId), WAIT_MS, 'p2 to show the message');
      // A real session carried it (gossip neighbours may have opened it before the subscription).
      expect((await control('p2').listPeers()).find((p) => p.id === ids.get('p0'))?.sessionUp).toBe(true);
      expect(p1.events.some((e) => e.type === 'message')).toBe(false);
      expect((await control('p2').history(ids.get('p0')!)).map((h) => h.text)).toEqual(['across the host']);
      const stats = await host.client.stats();
      const load = new Map(stats.peers.map((p) => [p.name, p]));
      expect(load.get('p2')!.sessionsOpen).toBeGreaterThanOrEqual(1);
      expect(load.get('p2')!.announcementsReceived).toBeGreaterThan(0);
      expect(stats.peersRunning).toBe(3);
    } finally {
      p1.close();
      p2.close();
    }
  });

  it('hosted peers share one judge of announcements: a repeat heard by all of them is hashed back along its chain once, not once per peer', async () => {
    const counts = async () => {
      const all = await Promise.all(['p0', 'p1', 'p2'].map(async (n) => (await control(n).stats()).counters));
      const sum = (name: string) => all.reduce((total, counters) => total + Number(counters[name] ?? 0), 0);
      return { checks: sum('discovery.chain_checks'), steps: sum('discovery.chain_steps') };
    };
    const before = await counts();
    await waitFor(async () => (await counts()).checks - before.checks >= 40, WAIT_MS, '40 more repeats judged by chain', undefined, 100);
    const after = await counts();
    // Each repeat one peer sends is judged by the two others: the first hashes its chain
    // forward one slot, the second finds that slot already vouched for (0 steps). A
    // judge per peer would hash at both: steps == checks.
    const checks = after.checks - before.checks;
    const steps = after.steps - before.steps;
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThanOrEqual(checks * 0.6);
  });

  it('crashes one peer alone: its streams end, its calls are refused, others keep going; restarted, it is the same peer and gets what waited', async () => {
    const p1 = await subscribe('p1');
    const crashed = await host.client.stop('p1', 'crash');
    expect(crashed.state).toBe(HostedPeerState.HOSTED_PEER_STATE_STOPPED);
    expect((await p1.ended)?.code).toBe(grpc.status.UNAVAILABLE);
    const refused = await failure(control('p1').whoami());
    expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect((await control('p0').whoami()).name).toBe('p0');
    // Sent while p1 is down: waits in p0's outbox until p1 is back.
    const { messageId } = await control('p0').send(ids.get('p1')!, 'while you were down');
    const restarted = await host.client.start('p1');
    expect(restarted).toMatchObject({ id: ids.get('p1'), state: HostedPeerState.HOSTED_PEER_STATE_RUNNING });
    await waitFor(async () => (await control('p1').history(ids.get('p0')!)).some((h) => h.messageId === messageId), WAIT_MS, 'the queued message at p1', undefined, 100);
  });

  it('pauses one peer: what reaches it waits unhandled until it is unpaused', async () => {
    await waitFor(async () => (await control('p0').listPeers()).some((p) => p.id === ids.get('p2') && p.sessionUp), WAIT_MS, 'a session p0–p2', undefined, 100);
    expect((await host.client.pause('p2')).state).toBe(HostedPeerState.HOSTED_PEER_STATE_PAUSED);
    const { messageId } = await control('p0').send(ids.get('p2')!, 'while you were paused');
    const held = async () => (await host.client.stats()).peers.find((p) => p.name === 'p2')!.heldEvents;
    await waitFor(async () => (await held()) > 0, WAIT_MS, 'the message to wait at the paused p2', undefined, 50);
    // Held, so not handled: not stored either.
    expect((await control('p2').history(ids.get('p0')!)).some((h) => h.messageId === messageId)).toBe(false);
    await host.client.unpause('p2');
    await waitFor(async () => (await control('p2').history(ids.get('p0')!)).some((h) => h.messageId === messageId), WAIT_MS, 'the message at p2 after the unpause', undefined, 50);
    expect(await held()).toBe(0);
  });
});

describe('peerlab host usage', () => {
  it('refuses --names and --peers that disagree, naming both (exit 64)', async () => {
    const result = await runCli(['host', '--peers', '2', '--names', 'a', '--data', join(tmpdir(), 'never-made')]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--names');
    expect(result.stderr).toContain('--peers says 2');
  });
});
