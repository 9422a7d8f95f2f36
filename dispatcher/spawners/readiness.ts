/**
 * Ready means usable by the dispatcher: the peer's control API answers as the peer the
 * claim made, and, when the peer serves its web UI, the UI answers an authenticated
 * request. Both are asked through the address the dispatcher will use (a container's
 * published port, not just the peer's own word).
 */
import { ControlClient } from '../../peer/control/control-client.js';
import { SpawnerError } from './errors.js';

export interface ReadinessTarget {
  /** host:port of the control API, and its token. */
  control: string;
  controlToken: string;
  /** The peer id the ready event gave. */
  id: string;
  /** The web UI's URL and token; undefined when the peer has no web UI. */
  webUrl?: string;
  webToken?: string;
}

/** Resolves once the peer answers on both; throws a SpawnerError naming what did not answer within `timeoutMs`. */
export async function waitUntilReady(target: ReadinessTarget, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = new ControlClient(target.control, target.controlToken, Math.max(100, timeoutMs));
  let last = 'nothing tried';
  try {
    for (;;) {
      try {
        const who = await client.whoami();
        if (who.id !== target.id) throw new Error(`the control API at ${target.control} is peer ${who.id}, not ${target.id}`);
        if (target.webUrl !== undefined) await webAnswers(target.webUrl, target.webToken ?? '', Math.max(100, deadline - Date.now()));
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() >= deadline) throw new SpawnerError(`peer ${target.id} not ready within ${timeoutMs} ms: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    client.close();
  }
}

async function webAnswers(url: string, token: string, timeoutMs: number): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  await res.body?.cancel();
  if (res.status >= 500 || res.status === 401) throw new Error(`the web UI at ${url} answered ${res.status}`);
}
