/**
 * Network faults of the docker runtime, through its `networkFaults` capability, on real
 * containers: a partition stops everything between the groups (and only between them),
 * holds across a restart inside the cut, and heals so queued messages arrive; link
 * shaping uses netem or, on kernels without it (this machine), iptables statistic loss
 * plus the NFQUEUE delayer, re-applied when a peer restarts, removed on demand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../lab/runtimes/docker/docker-client.js';
import type { DockerPeer } from '../lab/runtimes/docker/docker-peer.js';
import { DockerRuntime } from '../lab/runtimes/docker/docker-runtime.js';
import { hasNetem, inNetns } from '../lab/runtimes/docker/netns.js';
import type { StartedPeer } from '../lab/runtimes/runtime.js';
import { PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';
import { waitFor } from './support/wait-for.js';

beforeAll(requireDocker, PREPARE_TIMEOUT_MS);

const SETTINGS = { announceIntervalMs: 200, expireAfterMs: 1500, keepaliveMs: 500 };

const POLL_MS = 100;
/** Polls `check` (a control API call, so not too often) until true; rejects after `ms` naming `what`. */
const until = (check: () => Promise<boolean>, ms: number, what: string) => waitFor(check, ms, what, undefined, POLL_MS);

const sees = async (peer: StartedPeer, other: StartedPeer) => (await peer.control.listPeers()).some((p) => p.id === other.id);
const hasMessage = async (to: StartedPeer, from: StartedPeer, id: string) => (await to.control.history(from.id)).some((h) => h.messageId === id);

/** The filter rules in a peer container's network namespace. */
async function rulesOf(peer: StartedPeer): Promise<string> {
  const pid = (await docker().getContainer((peer as DockerPeer).container.id).inspect()).State.Pid;
  return inNetns(pid, 'iptables', ['-S']);
}

describe('docker network faults', () => {
  it('partition: nothing crosses the cut, groups still talk, a restart inside the cut stays cut, heal delivers what waited', async () => {
    await using runtime = await DockerRuntime.create();
    const [a, b, c, d] = await Promise.all(['p0', 'p1', 'p2', 'p3'].map((name) => runtime.start({ name, settings: SETTINGS })));
    const all = [a!, b!, c!, d!];
    await until(async () => (await Promise.all(all.map((p) => p.control.listPeers()))).every((l) => l.length === 3), 20_000, 'discovery of all four');

    const cut = await runtime.networkFaults.partition([['p0', 'p1'], ['p2', 'p3']]);
    expect(cut.mechanism).toMatch(/iptables DROP/);
    const across = await a!.control.send(c!.id, 'across the cut');
    const inside = await a!.control.send(b!.id, 'inside my half');
    await until(() => hasMessage(b!, a!, inside.messageId), 15_000, 'delivery inside the half');
    // p0 forgets p2 once nothing from it arrived for expire_after: the cut holds, both ways.
    await until(async () => !(await sees(a!, c!)) && !(await sees(c!, a!)), 15_000, 'p0 and p2 expiring each other');
    expect(await hasMessage(c!, a!, across.messageId)).toBe(false);
    expect(await sees(a!, b!)).toBe(true);

    // A restarted container has a fresh network namespace: the cut is put back on it.
    const d2 = await (await d!.kill()).start();
    expect(d2.id).toBe(d!.id);
    expect(await rulesOf(d2)).toMatch(new RegExp(`-s ${runtime.networksPeerIp('p0')}/32 .*-j DROP`));

    await runtime.networkFaults.heal();
    expect(await rulesOf(a!)).not.toMatch(/DROP/);
    await until(() => hasMessage(c!, a!, across.messageId), 30_000, 'the queued message after the heal');
    await until(async () => (await sees(a!, d2)) && (await sees(d2, a!)), 15_000, 'p0 and the restarted p3 seeing each other');
  });

  it('link: delay with jitter and loss by netem or the fallbacks, kept across a restart, removed with zeros', async () => {
    await using runtime = await DockerRuntime.create();
    const [a, b] = await Promise.all(['p0', 'p1'].map((name) => runtime.start({ name, settings: SETTINGS })));
    await until(async () => (await sees(a!, b!)) && (await sees(b!, a!)), 20_000, 'discovery');

    const shaped = await runtime.networkFaults.link(['p0', 'p1'], { delayMs: 30, jitterMs: 5, loss: 0.05 });
    const netem = await hasNetem();
    expect(shaped.mechanism).toMatch(netem ? /^netem delay 30ms ±5ms loss 5%/ : /nfq-delay 30ms ±5ms \(NFQUEUE, egress\) \+ iptables statistic DROP 5% \(ingress\)/);
    expect(Object.keys(shaped.links ?? {})).toEqual(['p0', 'p1']);
    if (!netem) {
      const rules = await rulesOf(a!);
      expect(rules).toMatch(/-m statistic --mode random --probability 0\.0(5|49+)\d* -j DROP/);
      expect(rules).toMatch(/-j NFQUEUE --queue-num 7 --queue-bypass/);
    }
    // Acks and retries carry messages over the lossy, slow link.
    const sent = await Promise.all([1, 2, 3, 4, 5].map((i) => a!.control.send(b!.id, `shaped ${i}`)));
    await until(async () => (await Promise.all(sent.map((s) => hasMessage(b!, a!, s.messageId)))).every(Boolean), 30_000, 'five messages over the shaped link');

    // Restarted: shaped again in its new namespace.
    const b2 = await b!.restart();
    if (!netem) expect(await rulesOf(b2)).toMatch(/NFQUEUE/);
    const after = await a!.control.send(b2.id, 'after the restart');
    await until(() => hasMessage(b2, a!, after.messageId), 30_000, 'a message to the restarted peer');

    const cleared = await runtime.networkFaults.link(['p0', 'p1'], { delayMs: 0, jitterMs: 0, loss: 0 });
    expect(cleared.mechanism).toMatch(/none|netem/);
    if (!netem) expect(await rulesOf(a!)).not.toMatch(/NFQUEUE|statistic/);
  });

  it('link: bandwidth by netem rate or tbf; reset by ss -K: the session is reopened and messages still arrive once', async () => {
    await using runtime = await DockerRuntime.create();
    const [a, b] = await Promise.all(['p0', 'p1'].map((name) => runtime.start({ name, settings: SETTINGS })));
    await until(async () => (await sees(a!, b!)) && (await sees(b!, a!)), 20_000, 'discovery');
    const first = await a!.control.send(b!.id, 'before the reset');
    await until(() => hasMessage(b!, a!, first.messageId), 15_000, 'the first message');

    const netem = await hasNetem();
    const slow = await runtime.networkFaults.link(['p0'], { delayMs: 0, jitterMs: 0, loss: 0, bandwidthBps: 1_000_000 });
    expect(slow.mechanism).toMatch(netem ? /^netem rate 1mbit\/s/ : /^tbf rate 1mbit\/s \(egress\)$/);
    if (!netem) {
      const pid = (await docker().getContainer((a as DockerPeer).container.id).inspect()).State.Pid;
      expect(await inNetns(pid, 'tc', ['qdisc', 'show'])).toMatch(/tbf .*rate 1Mbit/);
    }

    const reset = await runtime.networkFaults.reset(['p0']);
    expect(reset.mechanism).toMatch(/^ss -K/);
    expect(reset.counts?.connectionsReset).toBeGreaterThanOrEqual(1);
    const after = await Promise.all([1, 2, 3].map((i) => a!.control.send(b!.id, `after the reset ${i}`)));
    await until(async () => (await Promise.all(after.map((s) => hasMessage(b!, a!, s.messageId)))).every(Boolean), 30_000, 'messages after the reset');
    const history = await b!.control.history(a!.id);
    for (const { messageId } of [first, ...after]) expect(history.filter((h) => h.messageId === messageId)).toHaveLength(1);
  });
});
