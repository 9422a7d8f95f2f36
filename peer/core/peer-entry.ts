/**
 * The peer table's entries (peer-table.ts): what it keeps per peer, and the small
 * operations on one entry. A PeerRecord is the snapshot it hands out.
 */
import type { PeerObservation, PeerRecord, PeerSource } from './peer-table.js';

/** The last seq accepted from a peer, and until when a replay of it could pass the window check. */
export interface AcceptedSeq {
  seq: number;
  freshUntil: number;
}

export interface Entry {
  id: string;
  name: string;
  host: string;
  grpcPort: number;
  publicKey: Uint8Array | undefined;
  source: PeerSource;
  firstSeenAt: number;
  lastSeenAt: number;
  accepted: AcceptedSeq | undefined;
}

export function newEntry(peer: PeerObservation, source: PeerSource, now: number, firstSeenAt: number): Entry {
  // Every field in the literal, set or not: one shape for every entry, with no second
  // property store added later (a table holds up to 4096 of them per peer).
  return {
    id: peer.id,
    name: peer.name,
    host: peer.host,
    grpcPort: peer.grpcPort,
    publicKey: peer.publicKey,
    source,
    firstSeenAt,
    lastSeenAt: now,
    accepted: undefined,
  };
}

/** True when the observation carries a seq not greater than the last one accepted. */
export function isNotNewer(peer: PeerObservation, last: AcceptedSeq): boolean {
  return peer.seq !== undefined && peer.seq <= last.seq;
}

/** Copies the address and name; true when any of them changed. */
export function update(entry: Entry, peer: PeerObservation): boolean {
  const changed = entry.name !== peer.name || entry.host !== peer.host || entry.grpcPort !== peer.grpcPort;
  entry.name = peer.name;
  entry.host = peer.host;
  entry.grpcPort = peer.grpcPort;
  return changed;
}

/** Marks an entry heard now and moves it to the back of its map (most recent). */
export function touch(map: Map<string, Entry>, entry: Entry, now: number): void {
  entry.lastSeenAt = now;
  map.delete(entry.id);
  map.set(entry.id, entry);
}

export function first(map: Map<string, Entry>): Entry | undefined {
  return map.values().next().value;
}

export function snapshot(entry: Entry): PeerRecord {
  const record: PeerRecord = {
    id: entry.id,
    name: entry.name,
    host: entry.host,
    grpcPort: entry.grpcPort,
    source: entry.source,
    firstSeenAt: entry.firstSeenAt,
    lastSeenAt: entry.lastSeenAt,
    ...(entry.publicKey ? { publicKey: entry.publicKey } : {}),
  };
  return record;
}
