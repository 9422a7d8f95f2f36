/**
 * The spawners' side of a vacant peer's claim endpoint (peer/cli/vacant.ts): is it up,
 * and claim it. Plain HTTP on loopback or a container's published port, bearer token.
 */
import type { PeerEvent } from '../../peer/events.js';
import { SpawnerError } from './errors.js';

export type ReadyEvent = Extract<PeerEvent, { type: 'ready' }> & { webPort?: number };

/** The settings a claim gives (peer/cli/vacant.ts CLAIMABLE_SETTINGS). */
export interface ClaimSettings {
  name: string;
  dataDir: string;
  controlToken: string;
  webToken?: string;
}

/** `GET /` of a vacant peer: its state, or undefined while it does not answer yet. */
export async function vacantState(baseUrl: string, claimToken: string, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('/', baseUrl), { headers: { authorization: `Bearer ${claimToken}` }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return ((await res.json()) as { state?: string }).state;
  } catch {
    return undefined;
  }
}

/** Claims the vacant peer at `baseUrl`; resolves with the ready event of the peer it became. */
export async function claimVacant(baseUrl: string, claimToken: string, settings: ClaimSettings, timeoutMs: number): Promise<ReadyEvent> {
  let res: Response;
  try {
    res = await fetch(new URL('/claim', baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${claimToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(settings),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new SpawnerError(`claiming the vacant peer at ${baseUrl} for ${JSON.stringify(settings.name)} failed: ${(err as Error).message}`, { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as ReadyEvent & { error?: string };
  if (res.status !== 200 || body.type !== 'ready') {
    throw new SpawnerError(`the vacant peer at ${baseUrl} refused the claim for ${JSON.stringify(settings.name)} (${res.status}): ${body.error ?? 'no reason given'}`);
  }
  return body;
}
