/**
 * The web UI's JSON API: what the CLI's commands do, for the page. Every input is
 * checked (type, the control API's field limits) before the peer sees it; the
 * peer's own refusals (an unknown or contested name, a bad room) come back as
 * 400 with its message.
 */
import { quote } from '../limits.js';
import { SendError, type Peer } from '../peer.js';
import { requestProblem } from '../control/request-limits.js';
import { historyLimit, stringFields } from './web-request.js';
import { HttpError } from './web-response.js';
import { webState, type ConflictLog } from './web-state.js';

export interface ApiContext {
  peer: Peer;
  conflicts: ConflictLog;
}

type GetHandler = (ctx: ApiContext, url: URL) => unknown;
type PostHandler = (ctx: ApiContext, body: Record<string, unknown>) => Promise<unknown>;

/** A required query parameter, within its control API limit. */
function queryField(url: URL, name: 'peer' | 'room', method: 'history' | 'roomHistory'): string {
  const value = url.searchParams.get(name);
  if (value === null || value === '') throw new HttpError(400, 'bad_request', `query parameter ${quote(name)} is required`);
  const problem = requestProblem(method, { [name]: value });
  if (problem) throw new HttpError(400, 'field_too_long', problem);
  return value;
}

export const API_GET: Readonly<Record<string, GetHandler>> = {
  '/api/state': (ctx) => webState(ctx.peer, ctx.conflicts),
  '/api/history': (ctx, url) => {
    const peer = queryField(url, 'peer', 'history');
    return { peer, entries: ctx.peer.historyWith(peer, historyLimit(url.searchParams.get('limit'))) };
  },
  '/api/room-history': (ctx, url) => {
    const room = queryField(url, 'room', 'roomHistory');
    return { room, entries: ctx.peer.roomHistory(room, historyLimit(url.searchParams.get('limit'))) };
  },
};

export const API_POST: Readonly<Record<string, PostHandler>> = {
  '/api/send': async (ctx, body) => {
    const { to, text } = stringFields(body, 'send', ['to', 'text']);
    return ctx.peer.send(to, text);
  },
  '/api/say': async (ctx, body) => {
    const { room, text } = stringFields(body, 'say', ['room', 'text']);
    return ctx.peer.say(room, text);
  },
  '/api/join': async (ctx, body) => ({ rooms: await ctx.peer.joinRoom(stringFields(body, 'joinRoom', ['room']).room) }),
  '/api/leave': async (ctx, body) => ({ rooms: await ctx.peer.leaveRoom(stringFields(body, 'leaveRoom', ['room']).room) }),
  '/api/trust': async (ctx, body) => {
    const { name, peer } = stringFields(body, 'trust', ['name', 'peer']);
    const bound = await ctx.peer.trustName(name, peer);
    ctx.conflicts.settled(bound.name);
    return bound;
  },
};

/** An error from the peer as an HTTP answer: its refusals are the caller's to fix (400), a full outbox is 429. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SendError) return new HttpError(400, 'refused', message);
  if (err instanceof Error && err.name === 'LimitError') return new HttpError(429, 'limit', message, { 'Retry-After': '1' });
  return new HttpError(500, 'internal', message);
}
