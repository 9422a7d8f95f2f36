/**
 * The process spawner's state file: one record per peer process it started, written
 * atomically after every change, so a spawner restarted over the same state dir knows
 * every instance (and checks each pid before believing it).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../../peer/store/atomic-file.js';

export interface ProcessRecord {
  instanceId: string;
  pid: number;
  /** The process's start time (/proc), so a reused pid is not taken for it. */
  pidStartTime?: string;
  /** `claiming`: a claim was sent and its answer not recorded (the spawner may have died meanwhile). */
  state: 'starting' | 'vacant' | 'claiming' | 'claimed';
  user?: string;
  claimPort?: number;
  peerId?: string;
  controlPort?: number;
  webPort?: number;
  startedAtMs: number;
  /** What the peer was started as (CLI build and flags); vacant peers of another generation are replaced. */
  generation: string;
}

interface RecordFileContent {
  version: 1;
  instances: ProcessRecord[];
}

/** The records in one file; changes are serialized and each is written before it resolves. */
export class InstanceRecords {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Every record (none when the file does not exist yet). */
  async read(): Promise<ProcessRecord[]> {
    await this.queue.catch(() => undefined);
    return this.load();
  }

  /** Applies `change` to the records and writes them; resolves with what `change` returned. */
  update<T>(change: (records: ProcessRecord[]) => T): Promise<T> {
    const next = this.queue.catch(() => undefined).then(async () => {
      const records = await this.load();
      const result = change(records);
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const content: RecordFileContent = { version: 1, instances: records };
      await writeFileAtomic(this.path, `${JSON.stringify(content, null, 1)}\n`, 0o600);
      return result;
    });
    this.queue = next;
    return next;
  }

  private async load(): Promise<ProcessRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const content = JSON.parse(text) as RecordFileContent;
    if (content.version !== 1 || !Array.isArray(content.instances)) throw new Error(`${this.path}: not a process spawner state file (version ${String(content.version)})`);
    return content.instances;
  }
}
