/**
 * One conformance suite for every spawner (process, docker, swarm): each spawner's test
 * file calls `spawnerConformance(kind, factory)`. It checks what the dispatcher relies
 * on, through the Spawner interface, and what a user observes through their peer's
 * control API: the same identity and history at every login, one peer per user however
 * many logins race, nothing lost by a stop or a dispatcher restart, nothing left by a
 * failed start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../peer/control/control-client.js';
import type { PeerInstance } from '../../dispatcher/spawners/spawner.js';
import type { InspectableSpawner } from '../../dispatcher/spawners/spawner-extras.js';
import { waitFor } from './wait-for.js';

export interface SpawnerFactory {
  /** A spawner over `stateDir`; `startTimeoutMs` overrides its usual start timeout. */
  create(stateDir: string, options?: { startTimeoutMs?: number }): Promise<InspectableSpawner>;
  /** What of this state dir's spawner still exists outside the state file (processes, containers, services), by name. */
  leftovers(stateDir: string): Promise<string[]>;
  /** Generous per-test time: containers start slower than processes. */
  timeoutMs?: number;
}

/** Runs `use` with a control client of `instance`. */
async function withControl<T>(spawner: InspectableSpawner, instance: PeerInstance, use: (client: ControlClient) => Promise<T>): Promise<T> {
  const endpoint = await spawner.controlOf(instance.instanceId);
  const client = new ControlClient(endpoint.target, endpoint.token);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

const whoami = (spawner: InspectableSpawner, instance: PeerInstance) => withControl(spawner, instance, (c) => c.whoami());

/** Defines the suite for the spawner kind `kind`. */
export function spawnerConformance(kind: string, factory: SpawnerFactory): void {
  const timeout = factory.timeoutMs ?? 60_000;
  describe(`spawner conformance: ${kind}`, () => {
    let stateDir: string;
    const open: InspectableSpawner[] = [];
    const create = async (options?: { startTimeoutMs?: number }) => {
      const spawner = await factory.create(stateDir, options);
      open.push(spawner);
      return spawner;
    };

    beforeEach(async () => {
      stateDir = await mkdtemp(join(tmpdir(), `peerlab-spawner-${kind}-`));
    });
    afterEach(async () => {
      // The last spawner over the state dir sees every instance, the earlier ones' too.
      for (const spawner of open.splice(0).reverse()) await spawner.close({ removeData: true });
      expect(await factory.leftovers(stateDir)).toEqual([]);
      await rm(stateDir, { recursive: true, force: true });
    });

    it('a claimed vacant peer takes on the user’s own identity and history: the same as last time', { timeout }, async () => {
      const spawner = await create();
      expect(spawner.kind).toBe(kind);
      const progress: string[] = [];
      const [alice, bob] = await Promise.all([spawner.startFor('alice', (step) => progress.push(step)), spawner.startFor('bob')]);
      // The progress page's steps: more than one, ending once the peer is ready.
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toBe('ready');
      for (const [instance, user] of [[alice, 'alice'], [bob, 'bob']] as const) {
        expect(instance).toMatchObject({ user, state: 'claimed' });
        expect(instance.webToken.length).toBeGreaterThanOrEqual(16);
      }
      const aliceId = (await whoami(spawner, alice)).id;
      const bobWho = await whoami(spawner, bob);
      expect(bobWho.name).toBe('bob');
      expect(bobWho.id).not.toBe(aliceId);
      // Alice's peer writes to Bob's: both histories hold it.
      const sent = await withControl(spawner, alice, (c) => c.send(bobWho.id, 'before the logout'));
      await withControl(spawner, bob, (c) =>
        waitFor(async () => (await c.history(aliceId)).some((h) => h.messageId === sent.messageId), 20_000, 'bob to receive alice’s message', undefined, 100),
      );

      await spawner.stop('alice');
      expect((await spawner.list()).map((i) => i.user)).toEqual(['bob']);

      const vacant = await spawner.startVacant();
      expect(vacant).toMatchObject({ user: undefined, state: 'vacant' });
      expect((await spawner.list()).find((i) => i.instanceId === vacant.instanceId)?.state).toBe('vacant');
      const claimed = await spawner.claim(vacant.instanceId, 'alice');
      expect(claimed).toMatchObject({ instanceId: vacant.instanceId, user: 'alice', state: 'claimed' });
      const again = await whoami(spawner, claimed);
      expect(again).toMatchObject({ id: aliceId, name: 'alice' });
      const history = await withControl(spawner, claimed, (c) => c.history(bobWho.id));
      expect(history.map((h) => h.text)).toContain('before the logout');
      // One instance, one user.
      await expect(spawner.claim(vacant.instanceId, 'carol')).rejects.toThrow(/not vacant/);
    });

    it('20 concurrent starts of one user give one peer', { timeout }, async () => {
      const spawner = await create();
      const instances = await Promise.all(Array.from({ length: 20 }, () => spawner.startFor('dora')));
      expect(new Set(instances.map((i) => i.instanceId)).size).toBe(1);
      expect((await spawner.list()).filter((i) => i.user === 'dora')).toHaveLength(1);
      // A claim for a user who has a peer gives that peer; the vacant one stays in the pool.
      const vacant = await spawner.startVacant();
      expect((await spawner.claim(vacant.instanceId, 'dora')).instanceId).toBe(instances[0]!.instanceId);
      expect((await spawner.list()).find((i) => i.instanceId === vacant.instanceId)?.state).toBe('vacant');
    });

    it('a spawner made again over the same state sees every instance, keeps every assignment, and stops keep the data', { timeout }, async () => {
      const first = await create();
      const [erin, frank, vacant] = await Promise.all([first.startFor('erin'), first.startFor('frank'), first.startVacant()]);
      const erinId = (await whoami(first, erin)).id;
      const before = await first.list();

      // The dispatcher restarts: a new spawner over the same state dir, the old one simply gone.
      const second = await create();
      const after = await second.list();
      const key = (i: PeerInstance) => `${i.instanceId} ${i.user ?? '-'} ${i.state}`;
      expect(after.map(key).sort()).toEqual(before.map(key).sort());
      expect(after.find((i) => i.instanceId === erin.instanceId)?.webToken).toBe(erin.webToken);
      // Logging in again gives the same peer, not a second one; a claimed peer is nobody else's.
      expect((await second.startFor('erin')).instanceId).toBe(erin.instanceId);
      await expect(second.claim(frank.instanceId, 'gina')).rejects.toThrow(/not vacant/);
      expect((await second.claim(vacant.instanceId, 'gina')).user).toBe('gina');

      await second.stop('erin');
      expect((await second.list()).some((i) => i.user === 'erin')).toBe(false);
      const back = await second.startFor('erin');
      expect(back.instanceId).not.toBe(erin.instanceId);
      expect((await whoami(second, back)).id).toBe(erinId);
    });

    it('a failed start (an impossible timeout) leaves nothing behind', { timeout }, async () => {
      const spawner = await create({ startTimeoutMs: 1 });
      // What the spawner itself keeps (a network of its own) is not the failed start's.
      const before = await factory.leftovers(stateDir);
      await expect(spawner.startFor('hana')).rejects.toThrow(/timeout|within/);
      await expect(spawner.startVacant()).rejects.toThrow(/timeout|within/);
      expect(await spawner.list()).toEqual([]);
      expect(await factory.leftovers(stateDir)).toEqual(before);
    });

    it('close while peers are still starting ends them too, and refuses a start after', { timeout }, async () => {
      const spawner = await factory.create(stateDir);
      // Under way, not yet listed (a warm pool refilling when the dispatcher stops).
      const starts = [spawner.startVacant(), spawner.startFor('ines')];
      await spawner.close({ removeData: true });
      await Promise.allSettled(starts);
      expect(await factory.leftovers(stateDir)).toEqual([]);
      await expect(spawner.startVacant()).rejects.toThrow(/closed/);
    });
  });
}
