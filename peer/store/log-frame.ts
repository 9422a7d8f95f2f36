/**
 * The record format of an append-only log, and reading a whole log back:
 * `[u32 BE payload length][u32 BE crc32(payload)][payload = UTF-8 JSON]`.
 *
 * Reading keeps every record whose frame is intact, wherever it sits: after a
 * bad record it resynchronises on the next offset where a header, its crc and
 * `parse` all hold. Two kinds of bad bytes are told apart:
 * - a torn tail: the last record is incomplete (the file ends before its
 *   header or its length says), as a crash mid-append leaves it. Expected,
 *   cut silently.
 * - damage: any other bad bytes. A record complete in length whose crc or
 *   parse fails, a length no writer could have written (over the limit, or 0),
 *   or any bad region followed by a good record. Kept aside and reported.
 *
 * Resynchronising cannot be fooled by a record's own content: a valid length
 * (at most LIMITS.logRecordBytes, under 2^24) starts with a 0x00 byte, and a
 * JSON payload never holds a raw 0x00 (JSON escapes it), so a frame cannot hide
 * inside a payload. A false match inside damaged bytes needs a crc32 collision
 * and valid JSON.
 */
import { crc32 } from 'node:zlib';
import { LIMITS, LimitError } from '../limits.js';

/** Bytes before each payload: length and crc32, both u32 big-endian. */
export const HEADER_BYTES = 8;

/** A stretch of damaged bytes in a log, as read. */
export interface DamagedRegion {
  /** Byte offset in the file as it was read. */
  offset: number;
  bytes: number;
  /**
   * Records lost in it: how many frames its own length fields chain through
   * (each lands inside the region), at least 1. A single flipped byte (in a
   * payload, a crc or a length) counts 1; a region whose length fields are
   * themselves damaged counts fewer than it held, never more.
   */
  records: number;
  /** Why its first record was rejected. */
  reason: string;
}

/** What reading a log found. */
export interface ScannedLog<T> {
  records: T[];
  /** Byte ranges [start, end) of the good frames, merged where adjacent, in file order. */
  kept: Array<[number, number]>;
  damaged: DamagedRegion[];
  /** The incomplete last record cut off, if any. */
  torn?: { offset: number; bytes: number; reason: string };
}

/** Frames one record; throws LimitError (nothing written) when its JSON is over LIMITS.logRecordBytes. */
export function encodeFrame(record: unknown, path: string): Buffer {
  const json = JSON.stringify(record);
  if (json === undefined) throw new TypeError(`append log ${path}: record is not JSON (got ${typeof record})`);
  const length = Buffer.byteLength(json, 'utf8');
  if (length > LIMITS.logRecordBytes) {
    throw new LimitError(`A record for ${path}`, length, LIMITS.logRecordBytes);
  }
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame.write(json, HEADER_BYTES, 'utf8');
  frame.writeUInt32BE(length, 0);
  frame.writeUInt32BE(crc32(frame.subarray(HEADER_BYTES)), 4);
  return frame;
}

/** Reads every intact record of `data`, resynchronising after bad ones (see the file comment). */
export function scanFrames<T>(data: Buffer, parse: (value: unknown) => T): ScannedLog<T> {
  const scanned: ScannedLog<T> = { records: [], kept: [], damaged: [] };
  const keep = (start: number, end: number, record: T) => {
    scanned.records.push(record);
    const last = scanned.kept.at(-1);
    if (last && last[1] === start) last[1] = end;
    else scanned.kept.push([start, end]);
  };
  let offset = 0;
  while (offset < data.length) {
    const frame = readFrame(data, offset, parse);
    if (frame.ok) {
      keep(offset, frame.end, frame.record);
      offset = frame.end;
      continue;
    }
    const next = resync(data, offset + 1, parse);
    if (!next && frame.incomplete) {
      scanned.torn = { offset, bytes: data.length - offset, reason: `record at byte ${offset}: ${frame.reason}` };
      break;
    }
    const end = next?.offset ?? data.length;
    scanned.damaged.push({ offset, bytes: end - offset, records: chainedFrames(data, offset, end), reason: `record at byte ${offset}: ${frame.reason}` });
    if (!next) break;
    keep(next.offset, next.end, next.record);
    offset = next.end;
  }
  return scanned;
}

type Frame<T> = { ok: true; record: T; end: number } | { ok: false; incomplete: boolean; reason: string };

/** Checks the frame at `offset`: its header, length, crc and parse. */
function readFrame<T>(data: Buffer, offset: number, parse: (value: unknown) => T): Frame<T> {
  const left = data.length - offset;
  if (left < HEADER_BYTES) return { ok: false, incomplete: true, reason: `truncated header (${left} of ${HEADER_BYTES} bytes)` };
  const length = data.readUInt32BE(offset);
  // No writer makes these, so they are damage even at the very end.
  if (length > LIMITS.logRecordBytes) {
    return { ok: false, incomplete: false, reason: `length ${length} is over the limit of ${LIMITS.logRecordBytes}` };
  }
  if (length === 0) return { ok: false, incomplete: false, reason: 'length 0 (a record is never empty)' };
  if (left - HEADER_BYTES < length) {
    return { ok: false, incomplete: true, reason: `truncated payload (${left - HEADER_BYTES} of ${length} bytes)` };
  }
  const end = offset + HEADER_BYTES + length;
  const payload = data.subarray(offset + HEADER_BYTES, end);
  const expected = data.readUInt32BE(offset + 4);
  const actual = crc32(payload);
  if (actual !== expected) return { ok: false, incomplete: false, reason: `crc32 ${hex(actual)} does not match ${hex(expected)}` };
  try {
    return { ok: true, record: parse(JSON.parse(payload.toString('utf8'))), end };
  } catch (err) {
    return { ok: false, incomplete: false, reason: `does not parse (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** The first intact frame at or after `from`, if any. */
function resync<T>(data: Buffer, from: number, parse: (value: unknown) => T): { offset: number; record: T; end: number } | undefined {
  for (let offset = from; offset + HEADER_BYTES <= data.length; offset++) {
    // Cheap filter first: most offsets cannot start a frame (a valid length starts with 0x00).
    const length = data.readUInt32BE(offset);
    if (length === 0 || length > LIMITS.logRecordBytes || offset + HEADER_BYTES + length > data.length) continue;
    const frame = readFrame(data, offset, parse);
    if (frame.ok) return { offset, record: frame.record, end: frame.end };
  }
  return undefined;
}

/** Frames the length fields in [start, end) chain through, each landing inside the range; at least 1. */
function chainedFrames(data: Buffer, start: number, end: number): number {
  let count = 0;
  for (let at = start; at + HEADER_BYTES <= end; ) {
    const length = data.readUInt32BE(at);
    if (length === 0 || at + HEADER_BYTES + length > end) break;
    count++;
    at += HEADER_BYTES + length;
  }
  return Math.max(1, count);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
