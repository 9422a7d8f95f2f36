/**
 * Sessions ended by logout. The cookie is stateless, so a copy of it (another
 * tab, a stolen one) would stay valid until it expires; logout puts its session
 * id here until then. Kept in the state folder (0600), so a dispatcher restart
 * does not bring logged-out sessions back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../peer/store/atomic-file.js';

export const REVOCATIONS_FILE = 'revoked-sessions.json';
/** At most this many are kept; beyond it the ones expiring soonest go first (their cookies die soonest anyway). */
const MAX_REVOKED = 100_000;

export class Revocations {
  private readonly revoked = new Map<string, number>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async load(stateDir: string, nowMs: number): Promise<Revocations> {
    const store = new Revocations(join(stateDir, REVOCATIONS_FILE));
    const text = await readFile(store.file, 'utf8').catch(() => '{}');
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch {
      entries = {};
    }
    if (typeof entries === 'object' && entries !== null) {
      for (const [sid, expiresAtMs] of Object.entries(entries)) {
        if (typeof expiresAtMs === 'number' && expiresAtMs > nowMs) store.revoked.set(sid, expiresAtMs);
      }
    }
    return store;
  }

  isRevoked(sid: string): boolean {
    return this.revoked.has(sid);
  }

  /** Revokes `sid` until `expiresAtMs`; resolves once that is on disk. */
  revoke(sid: string, expiresAtMs: number, nowMs: number): Promise<void> {
    for (const [id, until] of this.revoked) if (until <= nowMs) this.revoked.delete(id);
    if (this.revoked.size >= MAX_REVOKED) {
      const soonest = [...this.revoked].sort((a, b) => a[1] - b[1]).slice(0, this.revoked.size - MAX_REVOKED + 1);
      for (const [id] of soonest) this.revoked.delete(id);
    }
    this.revoked.set(sid, expiresAtMs);
    const snapshot = JSON.stringify(Object.fromEntries(this.revoked));
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.file, snapshot, 0o600));
    return this.writing;
  }
}
