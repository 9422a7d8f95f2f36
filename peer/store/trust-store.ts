import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isPeerId } from '../identity/identity.js';
import { LIMITS, LimitError, quote, utf8Length } from '../limits.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * Trust on first use: the first peer id seen under a name is pinned to it, and
 * a later different id under that name is reported as 'changed' (a new device,
 * or someone impersonating). Kept in `DIR/trust.json`, small and rewritten whole.
 */

/** A name's current binding. */
export interface TrustBinding {
  id: string;
  fingerprint: string;
  /** When this id was first seen under the name. */
  firstSeenMs: number;
  /** Ids this name was bound to before, oldest first (at most MAX_PREVIOUS_IDS). */
  previousIds: string[];
}

/** What `observe` concluded. */
export interface TrustObservation {
  status: 'new' | 'same' | 'changed';
  /** For 'changed': the binding that was replaced. */
  previous?: { id: string; fingerprint: string; firstSeenMs: number };
}

/** Old ids kept per name; bounds the file when a name keeps changing hands. */
export const MAX_PREVIOUS_IDS = 16;

const FILE_VERSION = 1;
/** Longest fingerprint accepted; a safety number is 71 characters. */
const MAX_FINGERPRINT_CHARS = 128;

interface TrustFile {
  version: number;
  names: Record<string, TrustBinding>;
}

export class TrustStore {
  private inFlight?: Promise<void>;
  private queued?: Promise<void>;

  private constructor(
    /** Path of trust.json. */
    readonly path: string,
    private readonly names: Map<string, TrustBinding>,
  ) {}

  /** Loads `dir/trust.json` (empty when missing); throws naming the file when it is corrupt. */
  static async open(dir: string): Promise<TrustStore> {
    const root = resolve(dir);
    await mkdir(root, { recursive: true, mode: 0o700 });
    const path = join(root, 'trust.json');
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`cannot read trust file ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
    return new TrustStore(path, text === undefined ? new Map() : parseTrustFile(text, path));
  }

  /** Checks `id` against the id pinned to `name`, pins it when new or changed, and persists the change. */
  async observe(name: string, id: string, fingerprint: string, nowMs: number): Promise<TrustObservation> {
    checkName(name);
    if (!isPeerId(id)) throw new Error(`peer id ${quote(id)} is not 32 lowercase hex digits`);
    if (typeof fingerprint !== 'string' || fingerprint.length === 0 || fingerprint.length > MAX_FINGERPRINT_CHARS) {
      throw new Error(`fingerprint for ${quote(name)} must be 1 to ${MAX_FINGERPRINT_CHARS} characters`);
    }
    const known = this.names.get(name);
    if (known && known.id === id && known.fingerprint === fingerprint) return { status: 'same' };
    // Memory changes at once, so a second observe of the same change is 'same':
    // the warning fires once per change even when the write is still in flight.
    this.names.set(name, {
      id,
      fingerprint,
      firstSeenMs: nowMs,
      previousIds: known ? [...known.previousIds, known.id].slice(-MAX_PREVIOUS_IDS) : [],
    });
    await this.save();
    if (!known) return { status: 'new' };
    return {
      status: 'changed',
      previous: { id: known.id, fingerprint: known.fingerprint, firstSeenMs: known.firstSeenMs },
    };
  }

  /** The binding pinned to `name`, if any (a copy). */
  lookup(name: string): TrustBinding | undefined {
    const b = this.names.get(name);
    return b && { ...b, previousIds: [...b.previousIds] };
  }

  /**
   * Writes the current state. Writes never overlap (writeFileAtomic uses one
   * temp name per process), and callers that arrive while a write is waiting
   * to start share it, since it will include their change.
   */
  private save(): Promise<void> {
    if (this.queued) return this.queued;
    const run = (this.inFlight ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        const file: TrustFile = { version: FILE_VERSION, names: Object.fromEntries(this.names) };
        return writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
      })
      .catch((err: unknown) => {
        throw new Error(`cannot write trust file ${this.path}: ${(err as Error).message}`, { cause: err });
      });
    this.queued = run;
    this.inFlight = run;
    return run;
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error('a peer name must be a non-empty string');
  const bytes = utf8Length(name);
  if (bytes > LIMITS.nameBytes) throw new LimitError('The name', bytes, LIMITS.nameBytes, 'bytes', name);
}

function parseTrustFile(text: string, path: string): Map<string, TrustBinding> {
  const fail = (why: string): never => {
    throw new Error(`trust file ${path} is corrupt (${why}); fix it or move it away to start over, forgetting every pinned peer`);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return fail((err as Error).message);
  }
  const file = data as Partial<TrustFile> | null;
  if (typeof file !== 'object' || file === null || file.version !== FILE_VERSION) {
    return fail(`expected an object with version ${FILE_VERSION}`);
  }
  if (typeof file.names !== 'object' || file.names === null) return fail('"names" is not an object');
  const names = new Map<string, TrustBinding>();
  for (const [name, value] of Object.entries(file.names)) {
    const b = value as Partial<TrustBinding> | null;
    if (
      typeof b !== 'object' ||
      b === null ||
      typeof b.id !== 'string' ||
      !isPeerId(b.id) ||
      typeof b.fingerprint !== 'string' ||
      typeof b.firstSeenMs !== 'number' ||
      !Array.isArray(b.previousIds) ||
      !b.previousIds.every((p) => typeof p === 'string')
    ) {
      return fail(`entry ${quote(name)} is not {id, fingerprint, firstSeenMs, previousIds}`);
    }
    names.set(name, { id: b.id, fingerprint: b.fingerprint, firstSeenMs: b.firstSeenMs, previousIds: b.previousIds });
  }
  return names;
}
