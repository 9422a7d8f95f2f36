/**
 * Waiting for an etcd to answer after it was started: the lab's own on loopback
 * (etcd-server.ts) and the swarm runtime's task (swarm/etcd-task.ts). The etcd client is
 * imported only when a wait runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How often to ask, and how long one ask may take. */
const POLL_MS = 50;
const ASK_MS = 1000;

/**
 * Resolves once the etcd at `address` (`host:port`) answers a read. `gone()` names a
 * reason to give up at once (the process exited); past `timeoutMs` it throws what
 * `timedOut(lastError)` makes.
 */
export async function untilEtcdAnswers(address: string, timeoutMs: number, timedOut: (last: Error) => Error, gone: () => Error | undefined = () => undefined): Promise<void> {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: `http://${address}` });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const reason = gone();
      if (reason) throw reason;
      try {
        await client.get('health').options({ deadline: Date.now() + ASK_MS });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw timedOut(err as Error);
        await sleep(POLL_MS);
      }
    }
  } finally {
    client.close();
  }
}
