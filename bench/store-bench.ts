/**
 * AppendLog throughput: records with 256 bytes of text, appended by one writer
 * that awaits each append (one sync per record), then with 256 appends in
 * flight (group commit shares syncs). Prints figures; asserts nothing.
 *
 *   node dist/bench/store-bench.js [--records N] [--concurrent-records N] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AppendLog } from '../peer/store/append-log.js';

interface Result {
  name: string;
  inFlight: number;
  appends: number;
  seconds: number;
  appendsPerSec: number;
  syncsPerSec: number;
  recordsPerSync: number;
}

const TEXT = 'x'.repeat(256);
const WINDOW = 256;

/** Appends `count` records keeping `inFlight` appends outstanding; times it. */
async function run(dir: string, name: string, count: number, inFlight: number): Promise<Result> {
  const { log } = await AppendLog.open<{ i: number; text: string }>(join(dir, `${name}.log`));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await log.append({ i: next++, text: TEXT });
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - start) / 1000;
  const { syncs } = log.stats();
  await log.close();
  return {
    name,
    inFlight,
    appends: count,
    seconds,
    appendsPerSec: count / seconds,
    syncsPerSec: syncs / seconds,
    recordsPerSync: count / syncs,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '2000' },
      'concurrent-records': { type: 'string', default: '100000' },
      json: { type: 'boolean', default: false },
    },
  });
  const sequential = Number(values.records);
  const concurrent = Number(values['concurrent-records']);
  if (!(sequential > 0) || !(concurrent > 0)) throw new Error('--records and --concurrent-records must be positive numbers');

  const dir = await mkdtemp(join(tmpdir(), 'peerlab-store-bench-'));
  try {
    const results = [await run(dir, 'sequential', sequential, 1), await run(dir, 'concurrent', concurrent, WINDOW)];
    if (values.json) {
      console.log(JSON.stringify({ bench: 'store', node: process.version, tmpdir: tmpdir(), results }));
      return;
    }
    for (const r of results) {
      console.log(
        `${r.name.padEnd(10)} in flight ${String(r.inFlight).padStart(3)}: ${r.appends} appends in ${r.seconds.toFixed(2)} s = ` +
          `${Math.round(r.appendsPerSec)} appends/s, ${Math.round(r.syncsPerSec)} syncs/s, ${r.recordsPerSync.toFixed(1)} records/sync`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
