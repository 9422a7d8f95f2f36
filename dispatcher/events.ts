/**
 * What the dispatcher reports: with --json one JSON line per event (a `type`
 * field first), otherwise one line for people. User names in failed logins come
 * from the client, so they are shortened and escaped before they reach a terminal.
 */
import { escapeInline } from '../peer/cli/escape.js';

export type StopReason = 'idle' | 'admin' | 'unreachable';

export type DispatcherEvent =
  | { type: 'ready'; url: string; spawner: string; pool: number; maxUsers: number; idleTimeoutMs: number; users: number; rebuilt: number }
  | { type: 'login'; user: string; address: string }
  | { type: 'login_failed'; user: string; address: string; reason: 'password' | 'rate_limited' | 'capacity' }
  | { type: 'logout'; user: string }
  | { type: 'vacant'; instanceId: string; vacant: number }
  | { type: 'claim'; user: string; instanceId: string; ms: number }
  | { type: 'start'; user: string; instanceId: string; ms: number; fromPool: boolean }
  | { type: 'stop'; user: string; reason: StopReason }
  | { type: 'cull'; user: string; idleMs: number }
  | { type: 'rebuilt'; assigned: string[]; vacant: number }
  | { type: 'error'; code: string; message: string; user?: string };

export type EventSink = (event: DispatcherEvent) => void;

/** Shortens and escapes a client-given string for a log line. */
export function clientText(text: string, max = 64): string {
  return escapeInline(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** One line for people. */
export function formatEvent(event: DispatcherEvent): string {
  switch (event.type) {
    case 'ready':
      return `dispatcher ready at ${event.url} (spawner ${event.spawner}, pool ${event.pool}, max users ${event.maxUsers}, ${event.users} users, ${event.rebuilt} peers rebuilt)`;
    case 'login':
      return `login: ${event.user} from ${event.address}`;
    case 'login_failed':
      return `login refused (${event.reason}): ${clientText(event.user)} from ${event.address}`;
    case 'logout':
      return `logout: ${event.user}`;
    case 'vacant':
      return `pool: vacant peer ${event.instanceId} ready (${event.vacant} vacant)`;
    case 'claim':
      return `claim: ${event.user} took vacant peer ${event.instanceId} (${event.ms} ms)`;
    case 'start':
      return `start: ${event.user} on peer ${event.instanceId} (${event.ms} ms${event.fromPool ? ', from the pool' : ''})`;
    case 'stop':
      return `stop: ${event.user}'s peer (${event.reason})`;
    case 'cull':
      return `cull: ${event.user}'s peer idle for ${Math.round(event.idleMs / 1000)} s`;
    case 'rebuilt':
      return `rebuilt from the spawner: ${event.assigned.length} assigned (${event.assigned.join(', ') || 'none'}), ${event.vacant} vacant`;
    case 'error':
      return `error (${event.code})${event.user ? ` for ${event.user}` : ''}: ${event.message}`;
  }
}

/** An event sink that prints to `out` (JSON lines or human lines). */
export function printEvents(out: NodeJS.WritableStream, json: boolean): EventSink {
  return (event) => out.write(`${json ? JSON.stringify(event) : `peerlab dispatcher: ${formatEvent(event)}`}\n`);
}
