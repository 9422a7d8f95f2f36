/**
 * `peerlab peer --vacant HOST:PORT`: a peer process started ahead of need. Node is up and
 * every module of the peer is loaded, but it has no identity and opens nothing except a
 * small HTTP endpoint. A claim (`POST /claim`, bearer `--claim-token`) names the user's
 * settings — at least the name and the data dir, the tokens of its control API and web
 * UI — and the process then starts the peer exactly as `peerlab peer` with those flags
 * would, answers the claim with the peer's `ready` event, and closes the endpoint. What
 * a claim saves is everything before Peer.start: the node runtime, loading the modules,
 * and (for a container) creating and starting it. One claim per process: a second one,
 * or one while the first is starting, is refused with 409.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { bearerMatches } from '../bearer.js';
import type { PeerEvent } from '../events.js';
import { splitHostPort } from '../host-port.js';
import { listenOn } from '../listen.js';
import { quote } from '../limits.js';
import { OptionsError, validatePeerOptions, type PeerOptions } from '../options.js';
import { writeSetting } from '../setting-path.js';
import { SETTINGS, type SettingName } from '../settings.js';

/** The settings a claim may give: who the peer is, where its data lives, its secrets (the web UI's where the peer has one). */
export const CLAIMABLE_SETTINGS: readonly SettingName[] = SETTINGS.map((r) => r.name).filter((n) => ['name', 'dataDir', 'controlToken', 'web.token'].includes(n));

/** The largest claim body: a few settings, each far below this. */
const CLAIM_BYTES = 16 * 1024;

/** The name a vacant peer validates its other flags with, before a claim brings the real one. */
export const VACANT_PLACEHOLDER_NAME = 'vacant';

/** What a vacant peer says once it listens (a JSON line with --json). */
export type VacantEvent = { type: 'vacant'; atMs: number; claimHost: string; claimPort: number };

export interface VacantOptions {
  /** The peer's settings from its flags (name and data dir are placeholders until the claim). */
  options: PeerOptions;
  /** Says where the endpoint listens (stdout). */
  announce: (event: VacantEvent) => void;
  /** Starts the peer as claimed; resolves with its ready event once it serves. */
  startClaimed: (options: PeerOptions) => Promise<Extract<PeerEvent, { type: 'ready' }>>;
}

type State = { kind: 'vacant' } | { kind: 'starting'; name: string } | { kind: 'claimed'; ready: PeerEvent };

/** A refused claim: the HTTP status and what to say. */
class ClaimRefused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Serves the claim endpoint until a claim has started the peer; resolves then (the peer runs on). */
export async function serveVacant({ options, announce, startClaimed }: VacantOptions): Promise<void> {
  const address = splitHostPort(options.vacant!, 0);
  if ('problem' in address) throw new OptionsError('--vacant', address.problem);
  const token = Buffer.from(options.claimToken);
  let state: State = { kind: 'vacant' };
  let claimed!: () => void;
  const done = new Promise<void>((resolve) => (claimed = resolve));

  const server = http.createServer({ requestTimeout: 10_000 }, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      const refused = err instanceof ClaimRefused ? err : new ClaimRefused(500, err instanceof Error ? err.message : String(err));
      reply(res, refused.status, { error: refused.message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bearerMatches(req.headers.authorization, token)) throw new ClaimRefused(401, 'missing or wrong claim token (Authorization: Bearer <token>)');
    const path = new URL(req.url ?? '/', 'http://vacant').pathname;
    if (req.method === 'GET' && path === '/') return reply(res, 200, stateView(state));
    if (path !== '/claim') throw new ClaimRefused(404, `no such path ${quote(path)}: POST /claim or GET /`);
    if (req.method !== 'POST') throw new ClaimRefused(405, 'a claim is a POST');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new ClaimRefused(415, 'a claim is JSON (Content-Type: application/json)');
    const body = await readBody(req);
    if (state.kind !== 'vacant') throw new ClaimRefused(409, `already ${state.kind === 'starting' ? `being claimed by ${quote(state.name)}` : 'claimed'}`);
    const claimedOptions = optionsOfClaim(options, body);
    state = { kind: 'starting', name: claimedOptions.name };
    let ready: PeerEvent;
    try {
      ready = await startClaimed(claimedOptions);
    } catch (err) {
      // The process is spent (a half-started peer is not worth reusing): say why, then exit 3.
      reply(res, 500, { error: `the claimed peer did not start: ${err instanceof Error ? err.message : String(err)}` });
      res.once('finish', () => process.exit(3));
      return;
    }
    state = { kind: 'claimed', ready };
    res.once('finish', () => {
      server.close();
      server.closeAllConnections();
      claimed();
    });
    reply(res, 200, ready);
  }

  const bound = await listenOn(server, address.port, address.host);
  // Stopped before a claim: nothing to save, just go.
  const onSignal = () => {
    if (state.kind !== 'vacant') return;
    server.close();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
  announce({ type: 'vacant', atMs: Date.now(), claimHost: address.host, claimPort: bound.port });
  await done;
  // From here the claimed peer's own handlers stop it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
}

/** The vacant options with the claim's settings written in, validated; a ClaimRefused(400) naming what is wrong. */
export function optionsOfClaim(base: PeerOptions, body: unknown): PeerOptions {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ClaimRefused(400, 'a claim is a JSON object of settings: {"name":…,"dataDir":…}');
  const options = structuredClone(base);
  for (const [key, value] of Object.entries(body)) {
    if (!CLAIMABLE_SETTINGS.includes(key as SettingName)) throw new ClaimRefused(400, `${quote(key)} cannot be claimed; a claim gives ${CLAIMABLE_SETTINGS.join(', ')}`);
    if (typeof value !== 'string') throw new ClaimRefused(400, `${key} must be a string`);
    writeSetting(options, key as SettingName, value);
  }
  for (const key of ['name', 'dataDir'] as const) {
    if (typeof (body as Record<string, unknown>)[key] !== 'string') throw new ClaimRefused(400, `a claim must give ${key}`);
  }
  try {
    return validatePeerOptions(options);
  } catch (err) {
    throw new ClaimRefused(400, (err as Error).message);
  }
}

function stateView(state: State): Record<string, unknown> {
  if (state.kind === 'claimed') return { state: 'claimed', ready: state.ready };
  return state.kind === 'starting' ? { state: 'starting', name: state.name } : { state: 'vacant' };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > CLAIM_BYTES) throw new ClaimRefused(413, `a claim is at most ${CLAIM_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ClaimRefused(400, 'a claim must be valid JSON');
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}
