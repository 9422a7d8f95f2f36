/**
 * Bringing a peer up and down, with the history events that go with it: lifecycle
 * (started, ready, exited), the event feed, and the exit watcher that notices a peer
 * dying on its own.
 */
import { LabError } from '../runtimes/errors.js';
import type { PeerSpec, StartedPeer } from '../runtimes/runtime.js';
import type { RunContext } from './context.js';
import { EventFeed } from './event-feed.js';
import type { PeerSlot } from './fleet.js';
import { waitForChange } from './waiting.js';

/** How long a peer's in-flight Send calls may take to settle before it is taken down anyway. */
const SETTLE_SENDS_MS = 5_000;

/** The spec a slot's peer is started with. */
export function specFor(ctx: RunContext, slot: PeerSlot): PeerSpec {
  const { peer } = ctx.scenario;
  // The registry's flags go before the scenario's own args, which still win.
  const settings = ctx.registry ? { ...peer, args: [...ctx.registry.peerArgs, ...(peer.args ?? [])] } : peer;
  return {
    name: slot.name,
    settings,
    connectOnDiscovery: ctx.connectOnDiscovery,
    linkFaults: ctx.linkFaults,
    readyTimeoutMs: ctx.plan.readyTimeoutMs,
    peersPerProcess: ctx.plan.peersPerProcess,
  };
}

/**
 * Starts a slot's peer with `starter` (a fresh start or a restart), records `started`
 * and `ready`, and follows its events; the slot is `up` only once its feed is live, so
 * no load is sent to or from a peer whose deliveries the lab could not see.
 */
export async function launchPeer(ctx: RunContext, slot: PeerSlot, starter: () => Promise<StartedPeer>, restarted: boolean): Promise<void> {
  slot.state = 'starting';
  ctx.recorder.emit({ type: 'lifecycle', peer: slot.name, event: 'started' });
  const peer = await starter();
  if (ctx.signal.aborted || !ctx.recorder.isOpen) {
    // The run ended while this peer started: do not leave it behind.
    await peer.kill().catch(() => undefined);
    return;
  }
  slot.peer = peer;
  slot.stopped = undefined;
  if (slot.id !== undefined && slot.id !== peer.id) {
    throw new LabError(`${slot.name} came back with another identity (${peer.id.slice(0, 12)}, was ${slot.id.slice(0, 12)}): its data dir was not kept`);
  }
  ctx.fleet.register(slot, peer.id);
  const boot = peer.bootMs === undefined ? {} : { bootMs: peer.bootMs, slowMs: ctx.plan.slowStartMs, peersPerProcess: ctx.plan.peersPerProcess };
  ctx.recorder.emit({ type: 'lifecycle', peer: slot.name, event: 'ready', detail: { id: peer.id, ...boot } });
  watchExit(ctx, slot, peer);
  slot.feed = await EventFeed.open(ctx, slot, peer, restarted);
  slot.state = 'up';
  ctx.recorder.changed();
}

/**
 * Takes a peer down on purpose (`kill` or `stop`). Its Send calls in flight settle
 * first, so every message the load driver started has an id or a recorded failure;
 * its feed stays open until the process is gone, so nothing it said is missed.
 */
export async function takeDown(ctx: RunContext, slot: PeerSlot, how: 'kill' | 'stop'): Promise<void> {
  const peer = slot.peer;
  if (!peer || slot.state === 'down' || slot.state === 'stopping') return;
  slot.state = 'stopping';
  await waitForChange(ctx.recorder, () => ctx.ledger.inFlightFrom(slot.name) === 0, SETTLE_SENDS_MS, ctx.signal);
  const feed = slot.feed;
  feed?.expectEnd();
  const stopped = how === 'kill' ? await peer.kill() : await peer.stop();
  const exit = await peer.exited;
  feed?.close();
  slot.feed = undefined;
  slot.peer = undefined;
  slot.stopped = stopped;
  slot.state = 'down';
  ctx.recorder.emit({ type: 'lifecycle', peer: slot.name, event: 'exited', detail: { code: exit.code, signal: exit.signal, by: how } });
}

/** Records a peer that exits without the lab asking: lifecycle `exited` and an error. */
function watchExit(ctx: RunContext, slot: PeerSlot, peer: StartedPeer): void {
  void peer.exited.then((exit) => {
    if (slot.peer !== peer || slot.state === 'stopping' || slot.state === 'down') return;
    slot.state = 'down';
    slot.peer = undefined;
    slot.feed?.close();
    slot.feed = undefined;
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    ctx.recorder.emit({ type: 'lifecycle', peer: slot.name, event: 'exited', detail: { code: exit.code, signal: exit.signal, by: 'itself' } });
    const tail = peer.diagnostics().trim().split('\n').slice(-3).join(' | ');
    ctx.recorder.emit({ type: 'error', peer: slot.name, message: `exited on its own (${how})${tail ? `: ${tail}` : ''}` });
  });
}
