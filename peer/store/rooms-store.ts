/**
 * The rooms this peer has joined, in `DIR/rooms.json` (written atomically).
 * Everyone is always in the "everyone" room.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EVERYONE } from '../gossip/group-codec.js';
import { writeFileAtomic } from './atomic-file.js';

export class RoomsStore {
  private constructor(
    private readonly path: string,
    private readonly joined: Set<string>,
  ) {}

  /** Opens (or starts) the joined-rooms list of a data dir. */
  static async open(dir: string): Promise<RoomsStore> {
    const path = join(dir, 'rooms.json');
    let rooms: string[] = [];
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { rooms?: unknown };
      if (!Array.isArray(parsed.rooms) || !parsed.rooms.every((r) => typeof r === 'string')) throw new Error('no "rooms" list');
      rooms = parsed.rooms as string[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`rooms file ${path} is corrupt (${(err as Error).message}); fix or remove it`);
      }
    }
    return new RoomsStore(path, new Set([EVERYONE, ...rooms]));
  }

  has(room: string): boolean {
    return this.joined.has(room);
  }

  list(): string[] {
    return [...this.joined].sort();
  }

  /** Joins a room; false if already in it. */
  async join(room: string): Promise<boolean> {
    if (this.joined.has(room)) return false;
    this.joined.add(room);
    await this.save();
    return true;
  }

  /** Leaves a room; false if not in it. The everyone room cannot be left. */
  async leave(room: string): Promise<boolean> {
    if (room === EVERYONE) throw new Error(`everyone is always in the "${EVERYONE}" room`);
    if (!this.joined.delete(room)) return false;
    await this.save();
    return true;
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify({ rooms: this.list() }, null, 2)}\n`);
  }
}
