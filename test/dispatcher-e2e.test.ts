/**
 * The dispatcher end to end: a real `peerlab dispatcher` process, the real process
 * spawner, real peer processes. What a user (and an attacker with a session of their
 * own) can observe over HTTP; the peers' identities from the spawner's records.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { http, login, originOf, postForm, upgrade } from './support/dispatcher-client.js';
import { dispatcherSetup, startDispatcherProcess, type DispatcherProcess, type DispatcherSetup } from './support/dispatcher-process.js';
import { waitFor } from './support/wait-for.js';

let setup: DispatcherSetup | undefined;
let running: DispatcherProcess[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
  await setup?.cleanUp();
  setup = undefined;
});

async function start(users: Record<string, { admin?: boolean }>, flags: string[] = []): Promise<DispatcherProcess> {
  setup = await dispatcherSetup(users);
  const d = await startDispatcherProcess(setup, flags);
  running.push(d);
  return d;
}

async function untilReady(d: DispatcherProcess, cookie: string, who: string): Promise<void> {
  await waitFor(
    async () => JSON.parse((await http(d.url, 'GET', '/api/status', { cookie })).body).state === 'ready',
    60_000,
    `${who}'s peer to be ready`,
    () => d.events.filter((e) => e.type === 'error').slice(-3),
    50,
  );
}

/** user → [instance id, peer id, pid] of their claimed peer, from the spawner's records. */
async function claimedPeers(): Promise<Map<string, { instanceId: string; peerId: string; pid: number }>> {
  const peers = new Map<string, { instanceId: string; peerId: string; pid: number }>();
  for (const r of await setup!.records()) if (r.state === 'claimed' && r.user) peers.set(r.user, { instanceId: r.instanceId, peerId: r.peerId!, pid: r.pid });
  return peers;
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

describe('peerlab dispatcher with the process spawner', () => {
  it('gives two users a peer each; neither reaches the other’s (HTTP and WebSocket); a restart keeps both', async () => {
    let d = await start({ alice: {}, bob: {}, carol: {}, root: { admin: true } }, ['--pool', '1']);
    await d.waitForEvent('vacant', () => true, 30_000);
    const alice = await login(d.url, 'alice', 'pw-alice');
    const bob = await login(d.url, 'bob', 'pw-bob');
    await untilReady(d, alice, 'alice');
    await untilReady(d, bob, 'bob');
    const before = await claimedPeers();
    expect(before.get('alice')!.peerId).not.toBe(before.get('bob')!.peerId);
    // The warm one went to whoever came first; the other's peer was started for them.
    expect(d.events.filter((e) => e.type === 'claim').map((e) => e.type === 'claim' && e.user)).toEqual([expect.stringMatching(/^(alice|bob)$/)]);

    // Alice, with her own valid session, tries bob's peer every way she can.
    for (const path of ['/u/bob/', '/u/bob/api/peers', '/u/bob/events', '/u/bob']) expect((await http(d.url, 'GET', path, { cookie: alice })).status, path).toBe(403);
    expect((await http(d.url, 'POST', '/u/bob/api/send', { cookie: alice, origin: originOf(d.url), 'content-type': 'application/json' }, '{}')).status).toBe(403);
    expect((await upgrade(d.url, '/u/bob/ws', { cookie: alice })).status).toBe(403);
    // A cookie with bob's name on it but alice's signature is a forgery: 401.
    const [payload, mac] = alice.slice('peerlab_session='.length).split('.') as [string, string];
    const swapped = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('"alice"', '"bob"')).toString('base64url');
    expect((await http(d.url, 'GET', '/u/bob/', { cookie: `peerlab_session=${swapped}.${mac}` })).status).toBe(401);

    // The admin list shows both, with the instances the spawner has.
    const root = await login(d.url, 'root', 'pw-root');
    const list = JSON.parse((await http(d.url, 'GET', '/admin/api/users', { cookie: root })).body) as { users: { name: string; state: string; instanceId?: string }[] };
    expect(list.users.find((u) => u.name === 'alice')).toMatchObject({ state: 'ready', instanceId: before.get('alice')!.instanceId });
    expect(list.users.find((u) => u.name === 'bob')).toMatchObject({ state: 'ready', instanceId: before.get('bob')!.instanceId });

    // Restart: same state dir, same port (so the browser's cookies still apply).
    const port = new URL(d.url).port;
    await d.stop();
    running = [];
    d = await startDispatcherProcess(setup!, ['--pool', '1'], `127.0.0.1:${port}`);
    running.push(d);
    expect(d.events.find((e) => e.type === 'rebuilt')).toMatchObject({ assigned: ['alice', 'bob'] });
    expect(JSON.parse((await http(d.url, 'GET', '/api/status', { cookie: alice })).body).state).toBe('ready');
    const after = await claimedPeers();
    expect(after.get('alice')).toEqual(before.get('alice'));
    expect(after.get('bob')).toEqual(before.get('bob'));
    // A new user gets a peer of their own, never alice's or bob's.
    const carol = await login(d.url, 'carol', 'pw-carol');
    await untilReady(d, carol, 'carol');
    const carolPeer = (await claimedPeers()).get('carol')!;
    expect([before.get('alice')!.instanceId, before.get('bob')!.instanceId]).not.toContain(carolPeer.instanceId);
    expect((await claimedPeers()).get('alice')).toEqual(before.get('alice'));
  });

  it('20 parallel logins with pool 3 → 20 distinct peers, each with its user’s identity', async () => {
    const d = await start(Object.fromEntries(names(20).map((n) => [n, {}])), ['--pool', '3']);
    await waitFor(() => d.events.filter((e) => e.type === 'vacant').length >= 3, 60_000, 'the pool to fill', undefined, 50);
    const cookies = await Promise.all(names(20).map((n) => login(d.url, n, `pw-${n}`)));
    await Promise.all(names(20).map((n, i) => untilReady(d, cookies[i]!, n)));
    const peers = await claimedPeers();
    expect([...peers.keys()].sort()).toEqual(names(20).sort());
    expect(new Set([...peers.values()].map((p) => p.instanceId)).size).toBe(20);
    expect(new Set([...peers.values()].map((p) => p.peerId)).size).toBe(20);
    expect(new Set([...peers.values()].map((p) => p.pid)).size).toBe(20);
    expect(d.events.filter((e) => e.type === 'claim').length).toBeGreaterThanOrEqual(3);
  });

  it('20 parallel logins of one user → one peer', async () => {
    const d = await start({ alice: {} }, ['--pool', '2']);
    const cookies = await Promise.all(Array.from({ length: 20 }, () => login(d.url, 'alice', 'pw-alice')));
    await Promise.all(cookies.map((c) => untilReady(d, c, 'alice')));
    const alices = (await setup!.records()).filter((r) => r.user === 'alice');
    expect(alices).toHaveLength(1);
    expect(d.events.filter((e) => e.type === 'start' && e.user === 'alice')).toHaveLength(1);
  });

  it('logout ends the session; an idle peer is culled (its identity kept for the next login)', async () => {
    const d = await start({ alice: {} }, ['--idle-timeout', '2s']);
    const cookie = await login(d.url, 'alice', 'pw-alice');
    await untilReady(d, cookie, 'alice');
    const first = (await claimedPeers()).get('alice')!;
    await d.waitForEvent('cull', (e) => e.user === 'alice', 30_000);
    await d.waitForEvent('stop', (e) => e.user === 'alice' && e.reason === 'idle', 30_000);
    expect((await claimedPeers()).get('alice')).toBeUndefined();
    expect(JSON.parse((await http(d.url, 'GET', '/api/status', { cookie })).body).state).toBe('none');

    // Back again: a new process with the same identity (the spawner kept alice's data).
    expect((await http(d.url, 'GET', '/u/alice/', { cookie })).body).toContain('Starting your peer');
    await untilReady(d, cookie, 'alice');
    const second = (await claimedPeers()).get('alice')!;
    expect(second.pid).not.toBe(first.pid);
    expect(second.peerId).toBe(first.peerId);

    const csrf = /name="csrf" value="([^"]+)"/.exec((await http(d.url, 'GET', '/logout', { cookie })).body)![1]!;
    expect((await postForm(d.url, '/logout', { csrf }, { cookie })).status).toBe(303);
    expect((await http(d.url, 'GET', '/u/alice/', { cookie })).status).toBe(401);
    await d.waitForEvent('logout', (e) => e.user === 'alice', 5000);
  });
});
