// Draws the page from the peer's answers. Names, texts, rooms and ids that came
// from other peers go through el()'s textContent only (see dom.js).
import { ago, button, clock, el, replaceChildren } from './dom.js';

/** The name a claimant is shown by ("alice~3f2a9c1e"), split: the claimed name and the id prefix. */
export function claimedName(shown) {
  const at = shown.lastIndexOf('~');
  return at > 0 ? shown.slice(0, at) : shown;
}

function verifiedBadge(verified) {
  return verified
    ? el('span', { className: 'badge verified', text: '✓ verified', title: 'this name is bound to this id here' })
    : el('span', { className: 'badge unverified', text: 'unverified', title: 'a bare claim: not the name bound here' });
}

function onlineText(peer) {
  if (peer.sessionUp) return 'online · session up';
  if (peer.source === 'hint') return 'hint (unverified) · heard of via another peer';
  return `online · seen ${ago(peer.lastSeenAgoMs)}`;
}

function unreadBadge(count) {
  return count ? el('span', { className: 'unread', text: String(count) }) : null;
}

/** One entry of the peer list; `peer` is undefined for a conversation with a peer out of sight. */
function peerItem(id, name, peer, view) {
  const open = button(
    [el('span', { className: 'dot' }), el('span', { className: 'peer-name', text: name }), ' ', peer ? verifiedBadge(peer.nameVerified) : null, unreadBadge(view.unread.get(id))],
    () => view.openPeer(id),
    'peer-open',
  );
  const classes = ['peer', peer?.sessionUp ? 'session-up' : '', peer ? '' : 'out-of-sight', view.selectedPeer === id ? 'selected' : ''];
  return el(
    'li',
    { className: classes.filter(Boolean).join(' '), data: { peerId: id } },
    open,
    el('div', { className: 'peer-state', text: peer ? onlineText(peer) : 'not in sight' }),
    peer ? el('div', { className: 'fingerprint', text: peer.fingerprint || 'no key seen yet', title: 'safety number: compare it with theirs out of band' }) : null,
  );
}

/** The peer list: who is in sight, online state, verified names, safety numbers, unread counts; then conversations with peers out of sight. */
export function renderPeers(list, peers, view) {
  const sorted = [...peers].sort((a, b) => Number(b.sessionUp) - Number(a.sessionUp) || a.name.localeCompare(b.name));
  const items = sorted.map((peer) => peerItem(peer.id, peer.name, peer, view));
  for (const [id, name] of view.elsewhere) if (!peers.some((p) => p.id === id)) items.push(peerItem(id, name, undefined, view));
  replaceChildren(list, items.length ? items : [el('li', { className: 'empty', text: 'no peers in sight yet' })]);
}

/** Name conflicts: both claimants with their safety numbers, and /trust for either. */
export function renderConflicts(section, list, conflicts, peers, onTrust) {
  section.hidden = conflicts.length === 0;
  const fingerprintOf = (id) => peers.find((p) => p.id === id)?.fingerprint || 'unknown';
  replaceChildren(
    list,
    conflicts.map((c) =>
      el(
        'li',
        { className: 'conflict', data: { name: c.name, claimingId: c.claimingId } },
        el('p', { className: 'conflict-title' }, 'Two peers claim the name ', el('strong', { text: c.name }), '.'),
        el('p', {}, 'Known here: ', el('code', { text: c.knownId.slice(0, 8) }), ' safety number ', el('span', { className: 'fingerprint', text: fingerprintOf(c.knownId) })),
        el('p', {}, 'New claim: ', el('code', { text: c.claimingId.slice(0, 8) }), ' safety number ', el('span', { className: 'fingerprint', text: c.claimingFingerprint })),
        el('p', { className: 'hint', text: 'Compare safety numbers with the person out of band before you choose. Messages to the name are refused until you do.' }),
        el(
          'div',
          { className: 'actions' },
          button(`Keep ${c.knownId.slice(0, 8)}`, () => onTrust(c.name, c.knownId), 'keep-known'),
          button(`Trust ${c.claimingId.slice(0, 8)} as this name`, () => onTrust(c.name, c.claimingId), 'trust-new'),
        ),
      ),
    ),
  );
}

/** Joined rooms, with unread counts. */
export function renderRooms(list, rooms, view) {
  replaceChildren(
    list,
    rooms.map((room) => {
      const open = button([el('span', { className: 'room-name', text: `#${room}` }), unreadBadge(view.unread.get(`#${room}`))], () => view.openRoom(room), 'room-open');
      return el('li', { className: `room${view.selectedRoom === room ? ' selected' : ''}`, data: { room } }, open);
    }),
  );
}

/** The header of a conversation: the peer's id, name state and safety number, and /trust for a claimant. */
export function renderPeerDetail(detail, peer, id, onTrust) {
  const parts = [el('div', {}, 'id ', el('code', { className: 'id', text: id }))];
  if (peer) {
    parts.push(el('div', {}, verifiedBadge(peer.nameVerified), ' ', onlineText(peer)));
    parts.push(el('div', {}, 'safety number ', el('span', { className: 'fingerprint', text: peer.fingerprint || 'no key seen yet' })));
    if (!peer.nameVerified && peer.fingerprint && peer.source !== 'hint') {
      const name = claimedName(peer.name);
      parts.push(button(`Trust this peer as ${name}`, () => onTrust(name, id), 'trust-peer'));
    }
  }
  replaceChildren(detail, parts);
}

function tick(entry) {
  if (entry.direction !== 'out') return null;
  return entry.delivered
    ? el('span', { className: 'tick delivered', text: '✓ delivered', data: { state: 'delivered' } })
    : el('span', { className: 'tick sent', text: '… sent', data: { state: 'sent' } });
}

/** A direct conversation, oldest first, with delivery ticks on what this peer sent. */
export function renderConversation(list, entries, selfName) {
  replaceChildren(
    list,
    entries.map((e) =>
      el(
        'li',
        { className: `message ${e.direction}`, data: { messageId: e.messageId } },
        el('span', { className: 'time', text: clock(e.sentAtMs) }),
        el('span', { className: 'author', text: e.direction === 'out' ? selfName : e.peerName }),
        e.direction === 'in' && !e.nameVerified ? el('span', { className: 'badge unverified', text: 'unverified' }) : null,
        el('span', { className: 'text', text: e.text }),
        tick(e),
      ),
    ),
  );
  list.lastElementChild?.scrollIntoView({ block: 'end' });
}

/** A room's messages in causal order. */
export function renderRoomMessages(list, entries, selfId) {
  replaceChildren(
    list,
    entries.map((e) =>
      el(
        'li',
        { className: `message ${e.authorId === selfId ? 'out' : 'in'}`, data: { messageId: e.messageId } },
        el('span', { className: 'time', text: clock(e.hlcWallMs) }),
        el('span', { className: 'author', text: e.authorName }),
        e.authorId !== selfId && !e.nameVerified ? el('span', { className: 'badge unverified', text: 'unverified' }) : null,
        el('span', { className: 'text', text: e.text }),
      ),
    ),
  );
  list.lastElementChild?.scrollIntoView({ block: 'end' });
}
