import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NameBook, type ClaimOutcome, type NameBinding } from '../core/name-book.js';
import { isPeerId } from '../identity/identity.js';
import { LIMITS, LimitError, quote, utf8Length } from '../limits.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * The trust list: this peer's bindings of names to ids (trust on first use, see
 * core/name-book.ts for the rules), kept in `DIR/trust.json`, small and rewritten
 * whole after every change. Memory changes at once; the file follows, and a write
 * that fails is reported through `onSaveError` (the binding still holds in memory).
 */

/** Version 1 (before name conflicts) had `firstSeenMs` and no dismissed ids; it is still read. */
const FILE_VERSION = 2;
/** Longest fingerprint accepted; a safety number is 71 characters. */
const MAX_FINGERPRINT_CHARS = 128;

interface TrustFile {
  version: number;
  names: Record<string, NameBinding>;
}

export interface TrustStoreOptions {
  /** Called when writing trust.json failed. */
  onSaveError?: (err: Error) => void;
}

export class TrustStore {
  private inFlight?: Promise<void>;
  private queued?: Promise<void>;

  private constructor(
    /** Path of trust.json. */
    readonly path: string,
    /** The bindings; read it freely, change it only through this store. */
    readonly book: NameBook,
    private readonly onSaveError: (err: Error) => void,
  ) {}

  /** Loads `dir/trust.json` (empty when missing); throws naming the file when it is corrupt. */
  static async open(dir: string, options: TrustStoreOptions = {}): Promise<TrustStore> {
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
    const bindings = text === undefined ? [] : parseTrustFile(text, path);
    return new TrustStore(path, new NameBook(bindings), options.onSaveError ?? (() => {}));
  }

  /** Records a claim by an id that proved its key directly; a new binding is saved in the background. */
  claim(name: string, id: string, fingerprint: string, nowMs: number): ClaimOutcome {
    checkEntry(name, id, fingerprint);
    const outcome = this.book.claim(name, id, fingerprint, nowMs);
    if (outcome.status === 'bound') this.save().catch(this.onSaveError);
    return outcome;
  }

  /** Binds `name` to `id` deliberately (a person's /trust); resolves once saved, with the binding replaced. */
  async trust(name: string, id: string, fingerprint: string, nowMs: number): Promise<NameBinding | undefined> {
    checkEntry(name, id, fingerprint);
    const previous = this.book.trust(name, id, fingerprint, nowMs);
    await this.save();
    return previous;
  }

  /** Writes the current bindings (the peer core changes the book and asks for this); resolves once saved. */
  persist(): Promise<void> {
    return this.save();
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
        const file: TrustFile = { version: FILE_VERSION, names: Object.fromEntries(this.book.snapshot()) };
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

function checkEntry(name: string, id: string, fingerprint: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error('a peer name must be a non-empty string');
  const bytes = utf8Length(name);
  if (bytes > LIMITS.nameBytes) throw new LimitError('The name', bytes, LIMITS.nameBytes, 'bytes', name);
  if (!isPeerId(id)) throw new Error(`peer id ${quote(id)} is not 32 lowercase hex digits`);
  if (typeof fingerprint !== 'string' || fingerprint.length === 0 || fingerprint.length > MAX_FINGERPRINT_CHARS) {
    throw new Error(`fingerprint for ${quote(name)} must be 1 to ${MAX_FINGERPRINT_CHARS} characters`);
  }
}

function parseTrustFile(text: string, path: string): Array<[string, NameBinding]> {
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
  if (typeof file !== 'object' || file === null || (file.version !== 1 && file.version !== FILE_VERSION)) {
    return fail(`expected an object with version 1 or ${FILE_VERSION}`);
  }
  if (typeof file.names !== 'object' || file.names === null) return fail('"names" is not an object');
  const isIdList = (value: unknown) => Array.isArray(value) && value.every((p) => typeof p === 'string' && isPeerId(p));
  const names: Array<[string, NameBinding]> = [];
  for (const [name, value] of Object.entries(file.names)) {
    const b = value as Partial<NameBinding> & { firstSeenMs?: unknown };
    const boundAtMs = file.version === 1 ? b?.firstSeenMs : b?.boundAtMs;
    const dismissedIds = file.version === 1 ? [] : b?.dismissedIds;
    if (
      typeof b !== 'object' ||
      b === null ||
      typeof b.id !== 'string' ||
      !isPeerId(b.id) ||
      typeof b.fingerprint !== 'string' ||
      typeof boundAtMs !== 'number' ||
      !isIdList(b.previousIds) ||
      !isIdList(dismissedIds)
    ) {
      return fail(`entry ${quote(name)} is not {id, fingerprint, boundAtMs, previousIds, dismissedIds}`);
    }
    names.push([name, { id: b.id, fingerprint: b.fingerprint, boundAtMs, previousIds: b.previousIds!, dismissedIds: dismissedIds as string[] }]);
  }
  return names;
}
