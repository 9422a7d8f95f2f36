/**
 * Link faults on the process runtime, through the lab's own network (TCP proxy and
 * multicast relay), on real peer processes:
 * - the shipped partition scenario: nothing sent across the cut arrives while it holds,
 *   the halves forget each other (discovery is cut too), heal delivers everything once;
 * - link delay: a round trip through +N ms each way takes at least 2N, and at least N
 *   more than the same round trip unshaped (bounds from below only);
 * - bandwidth: bytes queue behind the rate;
 * - reset: the session is reopened and every message arrives exactly once;
 * - smoke's `delay` param: every message waits the delay, the mechanism is named.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../lab/metrics/events.js';
import { ProcessRuntime } from '../lab/runtimes/process/process-runtime.js';
import type { StartedPeer } from '../lab/runtimes/runtime.js';
import type { PeerEvent } from '../peer/events.js';
import { readRun, reportDirs, runCli, tempDir } from './support/lab-cli.js';
import { waitFor } from './support/wait-for.js';

const SETTINGS = { announceIntervalMs: 200, expireAfterMs: 1500, keepaliveIntervalMs: 500 };

/** Two peers on the lab's network, each seeing the other. */
async function twoPeers(runtime: ProcessRuntime): Promise<[StartedPeer, StartedPeer]> {
  const [a, b] = await Promise.all(['p0', 'p1'].map((name) => runtime.start({ name, settings: SETTINGS, linkFaults: true })));
  const sees = async (p: StartedPeer, q: StartedPeer) => (await p.control.listPeers()).some((x) => x.id === q.id);
  await waitFor(async () => (await sees(a!, b!)) && (await sees(b!, a!)), 15_000, 'p0 and p1 to see each other', undefined, 100);
  return [a!, b!];
}

/** Every event `peer` emits from now on, until `close()`. */
async function eventsOf(peer: StartedPeer): Promise<{ events: PeerEvent[]; close(): void }> {
  const events: PeerEvent[] = [];
  const sub = peer.control.subscribe((e) => events.push(e));
  await sub.ready;
  return { events, close: () => sub.close() };
}

/** Send → the sender's `delivered` (the recipient stored it and acked): one round trip over the link, in ms. */
async function roundTrip(from: StartedPeer, to: StartedPeer, seen: PeerEvent[], text: string): Promise<number> {
  const started = performance.now();
  const { messageId } = await from.control.send(to.id, text);
  await waitFor(() => seen.some((e) => e.type === 'delivered' && e.messageId === messageId), 15_000, `the ack of "${text}"`);
  return performance.now() - started;
}

/** Two peers on the lab's network with a session open (one message there and acked), and p0's events. */
async function pairWithSession(runtime: ProcessRuntime): Promise<{ a: StartedPeer; b: StartedPeer; acks: Awaited<ReturnType<typeof eventsOf>> }> {
  const [a, b] = await twoPeers(runtime);
  const acks = await eventsOf(a);
  await roundTrip(a, b, acks.events, 'warm-up');
  return { a, b, acks };
}

/** Resolves once p0 has the ack of every message in `ids`. */
function allAcked(acks: PeerEvent[], ids: string[]): Promise<void> {
  return waitFor(() => ids.every((id) => acks.some((e) => e.type === 'delivered' && e.messageId === id)), 30_000, `${ids.length} acks`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('link faults on the process runtime', () => {
  it('partition.yaml: nothing sent across the cut arrives while it holds, discovery is cut too, heal delivers everything once', async () => {
    await using out = await tempDir('peerlab-partition-');
    const result = await runCli(['lab', 'run', 'scenarios/partition.yaml', '--runtime', 'process', '--out', out.path, '--set', 'cut=6s']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const run = await readRun((await reportDirs(out.path, 'partition'))[0]!);
    const history = run.history;
    expect(run.report.metrics.delivery).toMatchObject({ ratio: 1, lost: 0, duplicates: 0 });

    const faults = history.filter((e): e is Extract<HistoryEvent, { type: 'fault' }> => e.type === 'fault');
    const cut = faults.find((f) => f.fault === 'partition')!;
    expect(cut.mechanism).toMatch(/^lab TCP proxy: connections across the cut reset, new ones held .*multicast relay: announcements across the cut dropped/);
    const healBegan = history.find((e) => e.type === 'step' && e.name === 'heal' && e.phase === 'begin')!.t;
    const half = (p: string) => ['p0', 'p1', 'p2'].includes(p);
    const across = (e: { from: string; to: string }) => half(e.from) !== half(e.to);

    // Sent across once the cut was in force: none of it arrives before the heal began...
    const sentDuringCut = history.filter((e): e is Extract<HistoryEvent, { type: 'send' }> => e.type === 'send' && e.t >= cut.t && e.t <= healBegan && across(e));
    expect(sentDuringCut.length).toBeGreaterThan(10);
    const sentIds = new Set(sentDuringCut.map((e) => e.id));
    const delivered = history.filter((e): e is Extract<HistoryEvent, { type: 'deliver' }> => e.type === 'deliver');
    expect(delivered.filter((e) => sentIds.has(e.id) && e.t <= healBegan)).toEqual([]);
    // ...every bit of it arrives after, and every message of the run exactly once.
    for (const id of sentIds) expect(delivered.filter((e) => e.id === id).length, id).toBe(1);
    const sends = history.filter((e) => e.type === 'send');
    expect(delivered.length).toBe(sends.length);
    expect(new Set(delivered.map((e) => e.id)).size).toBe(sends.length);

    // Announcements are cut too: the halves expired each other during the cut, as on docker.
    const forgotten = history.filter((e) => e.type === 'peer_down' && e.t > cut.t && e.t < healBegan && half(e.peer) !== half(e.other));
    expect(forgotten.length).toBeGreaterThan(0);
  }, 120_000);

  it('link delay: a round trip through +N ms each way takes at least 2N, and at least N more than without', async () => {
    await using runtime = await ProcessRuntime.create();
    const { a, b, acks } = await pairWithSession(runtime);
    const N = 30;
    const plain: number[] = [];
    const shaped: number[] = [];
    // Interleaved, so both see the same machine.
    for (let i = 0; i < 10; i++) {
      await runtime.networkFaults.link(['p0', 'p1'], { delayMs: 0, jitterMs: 0, loss: 0 });
      plain.push(await roundTrip(a, b, acks.events, `plain ${i}`));
      const result = await runtime.networkFaults.link(['p0', 'p1'], { delayMs: N, jitterMs: 0, loss: 0 });
      expect(result.mechanism).toBe('lab TCP proxy: +30ms ±0ms; multicast relay: +30ms ±0ms');
      shaped.push(await roundTrip(a, b, acks.events, `shaped ${i}`));
    }
    acks.close();
    expect(Math.min(...shaped)).toBeGreaterThanOrEqual(2 * N);
    expect(Math.min(...shaped)).toBeGreaterThanOrEqual(Math.min(...plain) + N);
    expect(median(shaped)).toBeGreaterThanOrEqual(median(plain) + N);
  }, 120_000);

  it('bandwidth: what a peer sends queues behind its rate', async () => {
    await using runtime = await ProcessRuntime.create();
    const { a, b, acks } = await pairWithSession(runtime);
    const bps = 256_000;
    const result = await runtime.networkFaults.link(['p0'], { delayMs: 0, jitterMs: 0, loss: 0, bandwidthBps: bps });
    expect(result.mechanism).toBe('lab TCP proxy: 256kbit/s; multicast relay: 256kbit/s');
    const text = 'x'.repeat(4096);
    const started = performance.now();
    const ids = await Promise.all(Array.from({ length: 16 }, () => a.control.send(b.id, text).then((r) => r.messageId)));
    await allAcked(acks.events, ids);
    acks.close();
    // 64 KiB of text alone (the wire adds framing and sealing) past a burst of 1500 bytes.
    const floorMs = ((16 * 4096 - 1500) * 8 * 1000) / bps;
    expect(performance.now() - started).toBeGreaterThanOrEqual(floorMs);
  }, 120_000);

  it('reset: the session is reopened and every message arrives exactly once', async () => {
    await using runtime = await ProcessRuntime.create();
    const { a, b, acks } = await pairWithSession(runtime);
    const shown = await eventsOf(b);
    // A burst in flight when the connections break: resent on the next session, shown once.
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => a.control.send(b.id, `burst ${i}`)));
    const result = await runtime.networkFaults.reset(['p0']);
    expect(result.mechanism).toBe('lab TCP proxy: connections reset (RST to both ends)');
    expect(result.counts?.connectionsReset).toBeGreaterThanOrEqual(1);
    const second = await Promise.all(Array.from({ length: 10 }, (_, i) => a.control.send(b.id, `after ${i}`)));
    const ids = [...first, ...second].map((s) => s.messageId);

    await allAcked(acks.events, ids);
    expect(acks.events.some((e) => e.type === 'session_down')).toBe(true);
    const downAt = acks.events.findIndex((e) => e.type === 'session_down');
    expect(acks.events.slice(downAt).some((e) => e.type === 'session_up')).toBe(true);
    const history = await b.control.history(a.id, 200);
    for (const id of ids) {
      expect(history.filter((h) => h.messageId === id).length, id).toBe(1);
      expect(shown.events.filter((e) => e.type === 'message' && e.messageId === id).length, id).toBe(1);
    }
    acks.close();
    shown.close();
  }, 120_000);

  it("smoke's delay param: every message waits it, the fault names the proxy; at 0ms nothing is in the path", async () => {
    await using out = await tempDir('peerlab-smoke-delay-');
    const result = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--out', out.path, '--set', 'delay=20ms', '--set', 'duration=2s', '--set', 'p50=10s', '--set', 'p99=10s']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const run = await readRun((await reportDirs(out.path, 'smoke'))[0]!);
    const link = run.history.find((e) => e.type === 'fault' && e.fault === 'link');
    expect(link).toMatchObject({ peers: ['p0', 'p1', 'p2', 'p3', 'p4'], mechanism: 'lab TCP proxy: +20ms ±0ms; multicast relay: +20ms ±0ms' });
    // Each message crosses one shaped hop on its way to the recipient.
    expect(run.report.metrics.latency.min).toBeGreaterThanOrEqual(20);
    expect(run.report.scenario.params).toMatchObject({ delay: '20ms' });
  }, 120_000);
});
