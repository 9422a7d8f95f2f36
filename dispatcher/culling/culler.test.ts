import { afterEach, describe, expect, it } from 'vitest';
import { FakeSpawner } from '../../test/support/fake-spawner.js';
import type { DispatcherEvent } from '../events.js';
import { PeerPool } from '../pool/pool.js';
import { Activity } from './activity.js';
import { IdleCuller, sweepIntervalMs } from './culler.js';

const spawner = new FakeSpawner();
afterEach(() => spawner.close());

/** A pool and culler on a clock the test moves. */
async function setup(idleTimeoutMs: number) {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const events: DispatcherEvent[] = [];
  const pool = new PeerPool(spawner, { size: 0, maxUsers: 10, now: clock.now }, (e) => events.push(e));
  const activity = new Activity();
  const closed: string[] = [];
  const culler = new IdleCuller(pool, activity, { idleTimeoutMs, now: clock.now }, (e) => events.push(e), (u) => closed.push(u));
  await pool.rebuild();
  return { clock, pool, activity, culler, events, closed };
}

describe('IdleCuller', () => {
  it('stops peers idle longer than the timeout, keeps the busy ones, and says so', async () => {
    const { clock, pool, activity, culler, events, closed } = await setup(10_000);
    await pool.acquire('idle');
    await pool.acquire('busy');
    clock.advance(6000);
    activity.touch('busy', clock.now());
    expect(culler.idleMs('idle')).toBe(6000);
    expect(culler.idleMs('busy')).toBe(0);
    await culler.sweep();
    expect(pool.readyUsers().sort()).toEqual(['busy', 'idle']);

    clock.advance(4001);
    await culler.sweep();
    expect(pool.readyUsers()).toEqual(['busy']);
    expect(spawner.calls.stop).toContain('idle');
    expect(spawner.liveFor('idle')).toBeUndefined();
    expect(closed).toEqual(['idle']);
    expect(events).toContainEqual({ type: 'cull', user: 'idle', idleMs: 10_001 });
    expect(events).toContainEqual({ type: 'stop', user: 'idle', reason: 'idle' });
  });

  it('never culls a peer still starting', async () => {
    const { clock, pool, culler } = await setup(1000);
    spawner.delayMs = 50;
    const starting = pool.acquire('alice');
    clock.advance(1e9);
    await culler.sweep();
    spawner.delayMs = 0;
    await starting;
    expect(pool.readyUsers()).toEqual(['alice']);
    expect(spawner.calls.stop).not.toContain('alice');
  });

  it('never culls with timeout 0', async () => {
    const { clock, pool, culler } = await setup(0);
    await pool.acquire('bob');
    clock.advance(1e9);
    await culler.sweep();
    expect(pool.readyUsers()).toEqual(['bob']);
    expect(culler.nextCullInMs()).toBeUndefined();
  });

  it('says when the soonest peer can be culled (the Retry-After of a full dispatcher)', async () => {
    const { clock, pool, activity, culler } = await setup(60_000);
    expect(culler.nextCullInMs()).toBeUndefined();
    await pool.acquire('a');
    await pool.acquire('b');
    clock.advance(20_000);
    activity.touch('b', clock.now());
    expect(culler.nextCullInMs()).toBe(40_000 + sweepIntervalMs(60_000));
  });
});
