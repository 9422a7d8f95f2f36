/**
 * The peer's command line: reads commands from stdin, prints events. With
 * --json every output is one JSON object per line with a "type" field, so
 * scripts and the lab can drive a peer through a pipe.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { PeerEvent } from '../events.js';
import type { Peer } from '../peer.js';
import { EVERYONE } from '../gossip/group-codec.js';
import { quote } from '../limits.js';
import { escapeInline } from './escape.js';
import { formatEvent, formatHistory, formatPeers, formatRoomHistory, HELP, palette, webLoginLine } from './human-format.js';

/** Longest command line accepted; longer lines are refused, not truncated. */
const MAX_LINE = 64 * 1024;

export interface ReplOptions {
  json: boolean;
  colour: boolean;
  input: Readable;
  output: Writable;
  /** Events that happened before the loop started (the ready line first); printed before any other. */
  initialEvents?: PeerEvent[];
  /** Mints a new one-time web UI login URL (/web-login); absent without --web, undefined with a --web-token. */
  newWebLoginUrl?: () => string | undefined;
}

type Output = { type: string; [field: string]: unknown };

/** Runs the command loop until /quit or end of input; resolves then. */
export async function runRepl(peer: Peer, options: ReplOptions): Promise<void> {
  const p = palette(options.colour && !options.json);
  const write = (line: string) => options.output.write(`${line}\n`);
  const print = (json: Output, human: string | undefined) => {
    if (options.json) write(JSON.stringify(json));
    else if (human !== undefined) write(human);
  };
  const onEvent = (event: PeerEvent) => print(event, formatEvent(event, p));
  for (const event of options.initialEvents ?? []) onEvent(event);
  peer.events.on('event', onEvent);
  const fail = (message: string) => print({ type: 'error', atMs: Date.now(), code: 'command', message }, p.red(message));

  const rl = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '') continue;
      if (line.length > MAX_LINE) {
        fail(`command is ${line.length} characters, over the limit of ${MAX_LINE}`);
        continue;
      }
      if (line === '/quit' || line === '/exit') break;
      try {
        await runCommand(peer, line, print, p, options.newWebLoginUrl);
      } catch (err) {
        fail((err as Error).message);
      }
    }
  } finally {
    rl.close();
    peer.events.off('event', onEvent);
  }
}

async function runCommand(
  peer: Peer,
  line: string,
  print: (json: Output, human: string | undefined) => void,
  p: ReturnType<typeof palette>,
  newWebLoginUrl: ReplOptions['newWebLoginUrl'],
): Promise<void> {
  const [command = '', ...rest] = line.split(/\s+/);
  const argument = line.slice(command.length).trim();
  switch (command) {
    case '/help':
      return print({ type: 'help', text: HELP }, HELP);
    case '/peers': {
      const peers = peer.peers();
      return print({ type: 'peers', peers }, formatPeers(peers, p));
    }
    case '/whoami': {
      const me = { id: peer.identity.id, name: peer.options.name, fingerprint: peer.identity.fingerprint, host: peer.selfAddress, grpcPort: peer.grpcPort };
      return print({ type: 'whoami', ...me }, `${p.bold(me.name)} ${me.id}\n  safety number ${me.fingerprint}\n  listening on ${me.host || '?'}:${me.grpcPort}`);
    }
    case '/whois': {
      if (!argument) throw new Error('usage: /whois NAME|ID');
      const who = peer.whois(argument);
      const mark = who.nameVerified ? '' : ' (unverified)';
      return print({ type: 'whois', ...who }, `${escapeInline(who.name)}${mark} ${who.id}\n  safety number ${who.fingerprint}`);
    }
    case '/trust': {
      const [name, id] = rest;
      if (!name || !id || rest.length > 2) throw new Error('usage: /trust NAME ID (ID: a full id or a prefix of at least 8 hex digits)');
      const bound = await peer.trustName(name, id);
      const replaced = bound.previousId ? ` (was ${bound.previousId.slice(0, 8)})` : '';
      return print(
        { type: 'trusted', ...bound },
        `${p.bold(escapeInline(bound.name))} is now ${bound.id}${replaced}\n  safety number ${bound.fingerprint}\n  compare it with ${escapeInline(bound.name)}'s own /whoami before you rely on it`,
      );
    }
    case '/send': {
      const to = rest[0];
      const text = argument.slice((to ?? '').length).trim();
      if (!to || !text) throw new Error('usage: /send NAME|ID TEXT');
      const sent = await peer.send(to, text);
      return print({ type: 'sent', ...sent, to }, p.dim(`… sending to ${to} ${sent.messageId.slice(0, 8)}`));
    }
    case '/history': {
      const who = rest[0];
      if (!who) throw new Error('usage: /history NAME|ID|#ROOM [N]');
      const limit = rest[1] === undefined ? 20 : Number(rest[1]);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Error('N must be a whole number from 1 to 10000');
      if (who.startsWith('#')) {
        const room = who.slice(1);
        const entries = peer.roomHistory(room, limit);
        return print({ type: 'room_history', room, entries }, formatRoomHistory(entries, p));
      }
      const entries = peer.historyWith(who, limit);
      return print({ type: 'history', peer: who, entries }, formatHistory(entries, peer.options.name, p));
    }
    case '/broadcast': {
      if (!argument) throw new Error('usage: /broadcast TEXT');
      const sent = await peer.broadcast(argument);
      return print({ type: 'said', room: EVERYONE, ...sent }, undefined);
    }
    case '/say': {
      const room = rest[0];
      const text = argument.slice((room ?? '').length).trim();
      if (!room || !text) throw new Error('usage: /say ROOM TEXT');
      const sent = await peer.say(room, text);
      return print({ type: 'said', room, ...sent }, undefined);
    }
    case '/join':
    case '/leave': {
      if (!rest[0]) throw new Error(`usage: ${command} ROOM`);
      const rooms = command === '/join' ? await peer.joinRoom(rest[0]) : await peer.leaveRoom(rest[0]);
      return print({ type: 'rooms', rooms }, p.dim(`rooms: ${rooms.map((r) => `#${escapeInline(r)}`).join(' ')}`));
    }
    case '/rooms': {
      const rooms = peer.joinedRooms();
      return print({ type: 'rooms', rooms }, p.dim(`rooms: ${rooms.map((r) => `#${escapeInline(r)}`).join(' ')}`));
    }
    case '/web-login': {
      if (!newWebLoginUrl) throw new Error('no web UI: start the peer with --web HOST:PORT');
      const url = newWebLoginUrl();
      if (url === undefined) throw new Error('the web UI takes its bearer token (--web-token): there is no login URL');
      return print({ type: 'web_login', url }, webLoginLine(url));
    }
    default:
      throw new Error(`unknown command ${escapeInline(quote(command))}; /help lists them`);
  }
}
