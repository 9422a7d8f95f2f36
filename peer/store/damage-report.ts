/**
 * Damage found in the store's logs while a peer starts, as a user sees it: an
 * `error` event with code `store_corrupt` per damaged file, and the counter
 * `store.corrupt_records` (records lost, summed; 0 when none, so it is always
 * listed in Stats).
 */
import type { Counters } from '../counters.js';
import type { PeerEvent } from '../events.js';
import type { AppendLogDamage } from './append-log.js';

/** Counts the damage and returns one `store_corrupt` error event per damaged file. */
export function reportStoreDamage(damaged: readonly AppendLogDamage[], counters: Counters, atMs: number): PeerEvent[] {
  counters.add('store.corrupt_records', damaged.reduce((sum, d) => sum + d.lostRecords, 0));
  return damaged.map((d) => ({ type: 'error', atMs, code: 'store_corrupt', message: storeDamageMessage(d) }));
}

/** One line naming the file, the records lost and where the damaged bytes are kept. */
export function storeDamageMessage(d: AppendLogDamage): string {
  const lost = d.lostRecords === 1 ? '1 record' : `${d.lostRecords} records`;
  return `store damaged: ${d.path} lost ${lost} (every other record kept); the ${d.bytes} damaged bytes are kept in ${d.corruptPath}`;
}
