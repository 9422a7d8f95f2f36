/**
 * How events and command results look to a person in a terminal. Every
 * string that came from a remote peer goes through the escapers.
 */
import type { PeerEvent } from '../events.js';
import type { PeerView } from '../peer.js';
import type { HistoryEntry } from '../store/history-store.js';
import type { GroupEntry } from '../store/group-store.js';
import { escapeInline, escapeMessageBody } from './escape.js';

export interface Palette {
  dim(text: string): string;
  bold(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const sgr = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;

/** ANSI colours for a TTY; plain text otherwise. */
export function palette(colour: boolean): Palette {
  if (!colour) {
    const plain = (text: string) => text;
    return { dim: plain, bold: plain, green: plain, red: plain, yellow: plain, cyan: plain };
  }
  return { dim: sgr(2), bold: sgr(1), green: sgr(32), red: sgr(31), yellow: sgr(33), cyan: sgr(36) };
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** Where the web UI is: the one-time login URL when standalone, else the port a proxy reaches with the token. */
export function webLine(ready: Extract<PeerEvent, { type: 'ready' }>): string {
  if (ready.webLoginUrl) return webLoginLine(ready.webLoginUrl);
  return `web UI on port ${ready.webPort} (bearer token)`;
}

/** A one-time login URL as a person is told it. */
export function webLoginLine(url: string): string {
  return `web UI: ${url} (the link works once)`;
}

/** One line (or a few) for an event, or undefined for events a person need not see. */
export function formatEvent(event: PeerEvent, p: Palette): string | undefined {
  switch (event.type) {
    case 'ready': {
      const web = event.webPort ? `\n  ${webLine(event)}` : '';
      return `${p.bold(escapeInline(event.name))} ready, id ${event.id}\n  safety number ${event.fingerprint}${web}\n  type /help for commands`;
    }
    case 'peer_up':
      return p.dim(`+ ${escapeInline(event.peerName)} (${event.peerId.slice(0, 8)}) at ${escapeInline(event.host)}:${event.grpcPort}`);
    case 'peer_down':
      return p.dim(`- ${escapeInline(event.peerName)} (${event.peerId.slice(0, 8)}) went silent`);
    case 'session_up':
    case 'session_down':
      return undefined;
    case 'message':
      return `${p.dim(clock(event.sentAtMs))} ${sender(event.fromName, event.nameVerified, p)}: ${escapeMessageBody(event.text)}`;
    case 'delivered':
      return p.green(`✓ delivered to ${escapeInline(event.toName)} ${p.dim(event.messageId.slice(0, 8))}`);
    case 'name_conflict': {
      const name = escapeInline(event.name);
      const known = event.knownId.slice(0, 8);
      const claiming = event.claimingId.slice(0, 8);
      return p.red(
        p.bold(
          `WARNING: another peer claims the name "${name}": ${claiming} (shown as ${name}~${claiming}, unverified), while "${name}" is ${known} here.\n` +
            `  It may be ${name} with a new key (a reinstall), or someone pretending to be ${name}. Messages to "${name}" still go only to ${known};\n` +
            `  sending by that name is refused until you choose. Its safety number is ${event.claimingFingerprint}:\n` +
            `  compare it with ${name}'s own /whoami out of band, then /trust ${name} ${claiming} to switch, or /trust ${name} ${known} to keep.`,
        ),
      );
    }
    case 'error':
      return p.red(`error: ${escapeInline(event.message)}`);
    case 'group_message':
      return `${p.dim(clock(event.hlcWallMs))} ${p.yellow(`#${escapeInline(event.room)}`)} ${sender(event.authorName, event.nameVerified, p)}: ${escapeMessageBody(event.text)}`;
  }
}

/** Who sent a message: the name bound here, or a claim marked as unverified. */
function sender(name: string, verified: boolean | undefined, p: Palette): string {
  return verified === false ? `${p.cyan(escapeInline(name))} ${p.yellow('(unverified)')}` : p.cyan(escapeInline(name));
}

/** A room's history (already in hybrid-logical-clock order). */
export function formatRoomHistory(entries: Array<GroupEntry & { nameVerified?: boolean }>, p: Palette): string {
  if (entries.length === 0) return p.dim('no messages yet');
  return entries
    .map((e) => `${p.dim(clock(e.hlcWallMs))} ${p.yellow(`#${escapeInline(e.room)}`)} ${sender(e.authorName, e.nameVerified, p)}: ${escapeMessageBody(e.text)}`)
    .join('\n');
}

/** The /peers table. */
export function formatPeers(peers: PeerView[], p: Palette): string {
  if (peers.length === 0) return p.dim('no peers yet');
  return peers
    .map((peer) => {
      const state = peer.sessionUp ? p.green('session') : p.dim(peer.source === 'hint' ? 'hint (unverified)' : peer.source);
      return `${escapeInline(peer.name).padEnd(16)}${peer.nameVerified ? '' : p.yellow(' (unverified)')} ${peer.id.slice(0, 12)}  ${escapeInline(peer.host)}:${peer.grpcPort}  ${state}  ${p.dim(`${peer.lastSeenAgoMs} ms ago`)}`;
    })
    .join('\n');
}

/** The /history listing. */
export function formatHistory(entries: Array<HistoryEntry & { nameVerified?: boolean }>, selfName: string, p: Palette): string {
  if (entries.length === 0) return p.dim('no messages yet');
  return entries
    .map((e) => {
      const who = e.direction === 'in' ? sender(e.peerName, e.nameVerified, p) : p.bold(escapeInline(selfName));
      const mark = e.direction === 'out' ? (e.delivered ? p.green(' ✓') : p.yellow(' …')) : '';
      return `${p.dim(clock(e.sentAtMs))} ${who}: ${escapeMessageBody(e.text)}${mark}`;
    })
    .join('\n');
}

export const HELP = `commands:
  /peers                 peers in sight, and which have a session
  /send NAME|ID TEXT     send a direct message (acknowledged, kept until delivered)
  /history NAME|ID [N]   the last N messages with a peer (default 20)
  /broadcast TEXT        a group message to everyone, spread by signed gossip
  /join ROOM             show the messages of a room from now on
  /say ROOM TEXT         a group message to a room
  /leave ROOM            stop showing a room
  /rooms                 the rooms you are in
  /history #ROOM [N]     a room's last N messages, in causal (hybrid clock) order
  /whoami                your id and safety number
  /whois NAME|ID         a peer's id and safety number, to compare out of band
  /trust NAME ID         bind NAME to the peer ID (an id prefix works), e.g. after a new key
  /web-login             a new one-time login URL for the web UI (--web)
  /help                  this list
  /quit                  stop the peer`;
