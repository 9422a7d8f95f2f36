// The chat page: loads the peer's state, shows a conversation or a room, sends,
// and follows the peer's events live. See render.js for what is drawn.
import { getJson, postJson } from './api.js';
import { connectLive } from './live.js';
import { renderConflicts, renderConversation, renderPeerDetail, renderPeers, renderRoomMessages, renderRooms } from './render.js';

const $ = (id) => document.getElementById(id);

const view = {
  /** The last ./api/state answer. */
  state: undefined,
  /** The open conversation: a peer id (or what the person typed, until the history names the id). */
  selectedPeer: undefined,
  /** The open room. */
  selectedRoom: undefined,
  /** Unread counts by peer id, and by "#room". */
  unread: new Map(),
  /** Peers we have a conversation with that are not in the peer list (id → name shown). */
  elsewhere: new Map(),
  openPeer,
  openRoom,
};

function showError(err) {
  $('chat-error').textContent = err ? String(err.message ?? err) : '';
}

function showBanner(text) {
  $('banner').textContent = text ?? '';
  $('banner').hidden = !text;
}

/** Runs `task` now, or once more after the run in progress: never two at once, never a change missed. */
function coalesced(task) {
  let running;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await task();
        } catch (err) {
          showError(err);
        }
      } while (again);
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };
  return run;
}

function renderSidebar() {
  const state = view.state;
  if (!state) return;
  renderPeers($('peers'), state.peers, view);
  renderRooms($('rooms'), state.rooms, view);
  renderConflicts($('conflicts-section'), $('conflicts'), state.conflicts, state.peers, trust);
}

const refreshState = coalesced(async () => {
  const state = await getJson('state');
  view.state = state;
  document.title = `${state.self.name} · peerlab`;
  $('self-name').textContent = state.self.name;
  $('self-id').textContent = state.self.id.slice(0, 8);
  $('self-id').title = state.self.id;
  $('self-fingerprint').textContent = state.self.fingerprint;
  renderSidebar();
  if (view.selectedPeer) renderPeerDetail($('chat-detail'), state.peers.find((p) => p.id === view.selectedPeer), view.selectedPeer, trust);
});

const refreshChat = coalesced(async () => {
  const self = view.state?.self;
  if (view.selectedPeer) {
    const asked = view.selectedPeer;
    const { entries } = await getJson('history', { peer: asked });
    if (view.selectedPeer !== asked) return;
    const id = entries[0]?.peerId ?? asked;
    view.selectedPeer = id;
    const peer = view.state?.peers.find((p) => p.id === id);
    $('chat-title').textContent = peer?.name ?? entries.at(-1)?.peerName ?? view.elsewhere.get(id) ?? asked;
    renderPeerDetail($('chat-detail'), peer, id, trust);
    renderConversation($('messages'), entries, self?.name ?? 'me');
  } else if (view.selectedRoom) {
    const room = view.selectedRoom;
    const { entries } = await getJson('room-history', { room });
    if (view.selectedRoom !== room) return;
    renderRoomMessages($('messages'), entries, self?.id);
  }
});

/** Opens a conversation (`peer`, an id) or a room (`room`): empties the view, then loads it. */
function openChat({ peer, room }) {
  view.selectedPeer = peer;
  view.selectedRoom = room;
  view.unread.delete(peer ?? `#${room}`);
  $('chat-title').textContent = room !== undefined ? `#${room}` : view.state?.peers.find((p) => p.id === peer)?.name ?? view.elsewhere.get(peer) ?? peer;
  $('chat-detail').replaceChildren();
  // Everyone is always in "everyone".
  $('leave-button').hidden = room === undefined || room === 'everyone';
  $('compose').hidden = false;
  $('messages').replaceChildren();
  showError();
  renderSidebar();
  void refreshChat();
  $('compose-text').focus();
}

function openPeer(id) {
  openChat({ peer: id });
}

function openRoom(room) {
  openChat({ room });
}

async function trust(name, id) {
  try {
    const bound = await postJson('trust', { name, peer: id });
    showBanner(`${bound.name} is now ${bound.id.slice(0, 8)}, safety number ${bound.fingerprint}: compare it with theirs before you rely on it.`);
    await refreshState();
    await refreshChat();
  } catch (err) {
    showError(err);
  }
}

function bump(key) {
  view.unread.set(key, (view.unread.get(key) ?? 0) + 1);
}

function onEvent(event) {
  switch (event.type) {
    case 'hello':
      // Subscribed (again): catch up on whatever happened while the stream was down.
      void refreshState();
      void refreshChat();
      return;
    case 'message':
      if (!view.state?.peers.some((p) => p.id === event.fromId)) view.elsewhere.set(event.fromId, event.fromName);
      if (event.fromId === view.selectedPeer) void refreshChat();
      else bump(event.fromId);
      renderSidebar();
      return;
    case 'delivered':
      if (event.toId === view.selectedPeer) void refreshChat();
      return;
    case 'group_message':
      if (event.room === view.selectedRoom) void refreshChat();
      else if (event.hops > 0) bump(`#${event.room}`);
      renderSidebar();
      return;
    case 'peer_up':
    case 'peer_down':
    case 'session_up':
    case 'session_down':
    case 'name_conflict':
      void refreshState();
      return;
    case 'error':
      showBanner(`The peer reports a problem: ${event.message}`);
      return;
  }
}

function onStatus(status) {
  const label = { live: 'live', reconnecting: 'reconnecting…', closed: 'disconnected: reload, or log in again' }[status];
  $('live-status').textContent = label;
  $('live-status').dataset.state = status;
}

function wire() {
  $('compose').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('compose-text');
    const text = input.value;
    if (!text.trim()) return;
    try {
      if (view.selectedPeer) await postJson('send', { to: view.selectedPeer, text });
      else if (view.selectedRoom) await postJson('say', { room: view.selectedRoom, text });
      input.value = '';
      showError();
      await refreshChat();
    } catch (err) {
      showError(err);
    }
  });
  $('join-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const room = $('join-room').value.trim().replace(/^#/, '');
    try {
      const { rooms } = await postJson('join', { room });
      if (view.state) view.state.rooms = rooms;
      $('join-room').value = '';
      openRoom(room);
    } catch (err) {
      showError(err);
    }
  });
  $('leave-button').addEventListener('click', async () => {
    const room = view.selectedRoom;
    if (!room) return;
    try {
      const { rooms } = await postJson('leave', { room });
      if (view.state) view.state.rooms = rooms;
      view.selectedRoom = undefined;
      $('compose').hidden = true;
      $('leave-button').hidden = true;
      $('chat-title').textContent = 'Pick a peer or a room';
      $('messages').replaceChildren();
      renderSidebar();
    } catch (err) {
      showError(err);
    }
  });
  $('open-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const query = $('open-peer').value.trim();
    if (!query) return;
    const known = view.state?.peers.find((p) => p.name === query || p.id.startsWith(query.toLowerCase()));
    $('open-peer').value = '';
    openPeer(known?.id ?? query);
  });
}

wire();
connectLive(onEvent, onStatus);
// "seen N s ago" stays current.
setInterval(() => void refreshState(), 5000);
