/**
 * Peer benchmark: two real peer processes on loopback, against a plain grpc-js
 * stream between two processes measured in the same run. Prints figures;
 * asserts nothing.
 *
 *   npm run bench                    (builds, then runs this)
 *   node dist/bench/peer-bench.js [--json] [--window 5] [--warmup 1.5] [--sessions 20]
 *                                 [--rtt-samples 5000] [--msg-rtt-samples 1000] [--outstanding 2048]
 *                                 [--data-dir DIR] [--cpu-prof DIR]
 *
 * Throughput: 256-byte direct messages from A to B over one session, counted
 * where they land (B's 'message' events, and A's 'delivered' events for the
 * acks) over a fixed window after a warm-up. Every message is fsynced on both
 * sides before its ack (group commit), so this is durable messaging, not just
 * the wire. The baseline is one gRPC message per 256-byte payload on a raw
 * bidi stream, counted at the receiver over the same window.
 */
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';
import { BenchChild } from './child-ipc.js';
import type { LatencySummary } from './latency.js';
import type { PeerChildCommands } from './peer-bench-child.js';
import type { RawGrpcChildCommands } from './raw-grpc-child.js';
import { windowRate } from './window-mark.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PEER_CHILD = join(HERE, 'peer-bench-child.js');
const RAW_CHILD = join(HERE, 'raw-grpc-child.js');

const PAYLOAD_BYTES = 256;
/** The outbox puts at most 1024 messages per peer on the wire; the default keeps it full while sends and acks wait on fsync. */
const DEFAULT_OUTSTANDING = 2048;
/** Pings kept outstanding when measuring the session layer alone. */
const PING_FLOOD_IN_FLIGHT = 1024;

interface Settings {
  json: boolean;
  windowMs: number;
  warmupMs: number;
  sessions: number;
  rttSamples: number;
  msgRttSamples: number;
  cpuProfDir: string | undefined;
  /** Messages the flood keeps sent but not yet acked. */
  outstanding: number;
  /** Where the peers' data dirs go (a fresh temp dir inside it); e.g. /dev/shm to take the disk out. */
  dataDir: string;
}

interface RawResult {
  msgsPerSecond: number;
  receiverCpu: number;
  senderCpu: number;
  rtt: LatencySummary;
}

interface PairResult {
  sealedPerSecond: number;
  deliveredPerSecond: number;
  receiverCpu: number;
  senderCpu: number;
  itemsPerFrame: number;
  sendErrors: number;
  lastSendError: string;
  ping: LatencySummary;
  messageRtt: LatencySummary;
  /** Sealed ping round trips per second with PING_FLOOD_IN_FLIGHT outstanding: the session layer without storage. */
  pingFloodPerSecond: number;
  pingFloodCpuA: number;
  pingFloodCpuB: number;
  idleRssBytes: number;
}

interface MemoryResult {
  sessions: number;
  rssBefore: number;
  rssAfter: number;
  heapPerSession: number;
  externalPerSession: number;
  openMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      window: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1.5' },
      sessions: { type: 'string', default: '20' },
      'rtt-samples': { type: 'string', default: '5000' },
      'msg-rtt-samples': { type: 'string', default: '1000' },
      'cpu-prof': { type: 'string' },
      outstanding: { type: 'string', default: String(DEFAULT_OUTSTANDING) },
      'data-dir': { type: 'string', default: tmpdir() },
    },
  });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number, got "${text}"`);
    return n;
  };
  return {
    json: values.json,
    windowMs: positive('window', values.window) * 1000,
    warmupMs: positive('warmup', values.warmup) * 1000,
    sessions: Math.round(positive('sessions', values.sessions)),
    rttSamples: Math.round(positive('rtt-samples', values['rtt-samples'])),
    msgRttSamples: Math.round(positive('msg-rtt-samples', values['msg-rtt-samples'])),
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    outstanding: Math.round(positive('outstanding', values.outstanding)),
    dataDir: resolve(values['data-dir']),
  };
}

/** Node flags of a child: --expose-gc for memory readings, and a CPU profile when asked. */
function execArgv(settings: Settings, name: string): string[] {
  const flags = ['--expose-gc'];
  if (settings.cpuProfDir) flags.push('--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`);
  return flags;
}

/** Two marks `windowMs` apart, taken in every child at (nearly) the same moment. */
async function measureWindow<T>(settings: Settings, mark: () => Promise<T>): Promise<[T, T]> {
  await sleep(settings.warmupMs);
  const start = await mark();
  await sleep(settings.windowMs);
  const end = await mark();
  return [start, end];
}

/** Baseline: one raw grpc-js bidi stream between two processes. */
async function runRaw(settings: Settings, log: (line: string) => void): Promise<RawResult> {
  await using receiver = BenchChild.fork<RawGrpcChildCommands>('raw-receiver', RAW_CHILD, execArgv(settings, 'raw-receiver'));
  await using sender = BenchChild.fork<RawGrpcChildCommands>('raw-sender', RAW_CHILD, execArgv(settings, 'raw-sender'));
  const { port } = await receiver.call('serve', null);
  await sender.call('connect', { port });
  log('raw gRPC: echo round trips');
  const rtt = await sender.call('echoRtt', { payloadBytes: PAYLOAD_BYTES, warmup: 1000, samples: settings.rttSamples, maxMs: 5_000 });
  log(`raw gRPC: flood, ${settings.warmupMs / 1000} s warm-up + ${settings.windowMs / 1000} s window`);
  await sender.call('floodStart', { payloadBytes: PAYLOAD_BYTES });
  const [[receiverStart, senderStart], [receiverEnd, senderEnd]] = await measureWindow(settings, () =>
    Promise.all([receiver.call('mark', null), sender.call('mark', null)]),
  );
  await sender.call('floodStop', null);
  const received = windowRate(receiverStart, receiverEnd);
  return {
    msgsPerSecond: received.perSecond,
    receiverCpu: received.cpuCores,
    senderCpu: windowRate(senderStart, senderEnd).cpuCores,
    rtt,
  };
}

/** Peers A and B, each in its own process, one session between them. */
async function runPair(settings: Settings, dataRoot: string, log: (line: string) => void): Promise<PairResult> {
  const network = randomLoopbackNetwork();
  await using a = BenchChild.fork<PeerChildCommands>('peer-a', PEER_CHILD, execArgv(settings, 'peer-a'));
  await using b = BenchChild.fork<PeerChildCommands>('peer-b', PEER_CHILD, execArgv(settings, 'peer-b'));
  const start = { dataRoot, network, announceIntervalMs: 200, expireAfterMs: 30_000 };
  const [[peerA], [peerB]] = await Promise.all([a.call('start', { ...start, names: ['bench-a'] }), b.call('start', { ...start, names: ['bench-b'] })]);
  if (!peerA || !peerB) throw new Error('peers did not start');
  log(`peers: A ${peerA.id.slice(0, 8)} (pid ${a.pid}), B ${peerB.id.slice(0, 8)} (pid ${b.pid}); discovering over loopback multicast`);
  await a.call('waitDiscovered', { index: 0, ids: [peerB.id], timeoutMs: 10_000 });
  await a.call('sendOneEach', { index: 0, ids: [peerB.id], timeoutMs: 10_000 });
  const idle = await a.call('memory', null);

  log('sealed ping round trips on the idle session');
  const target = { index: 0, peerId: peerB.id };
  const ping = await a.call('pingRtt', { ...target, warmup: 1000, samples: settings.rttSamples, maxMs: 10_000 }, 60_000);
  log('direct message round trips (send to ack, fsync on both sides)');
  const messageRtt = await a.call('messageRtt', { ...target, warmup: 50, samples: settings.msgRttSamples, maxMs: 8_000 }, 60_000);

  log(`sealed flood A→B, ${settings.warmupMs / 1000} s warm-up + ${settings.windowMs / 1000} s window, ≤${settings.outstanding} unacked`);
  await a.call('floodStart', { ...target, textBytes: PAYLOAD_BYTES, maxOutstanding: settings.outstanding });
  const marks = () => Promise.all([a.call('mark', { index: 0 }), b.call('mark', { index: 0 }), a.call('counters', { index: 0 })] as const);
  const [[aStart, bStart, countersStart], [aEnd, bEnd, countersEnd]] = await measureWindow(settings, marks);
  await a.call('floodStop', null, 30_000);

  log(`sealed ping flood A→B→A (no storage), ${PING_FLOOD_IN_FLIGHT} in flight`);
  await a.call('pingFloodStart', { ...target, inFlight: PING_FLOOD_IN_FLIGHT });
  const pingMarks = () => Promise.all([a.call('mark', { index: 0 }), b.call('mark', { index: 0 })]);
  const [[pingStartA, pingStartB], [pingEndA, pingEndB]] = await measureWindow(settings, pingMarks);
  await a.call('floodStop', null, 30_000);
  const pings = windowRate(pingStartA.pongs, pingEndA.pongs);

  const received = windowRate(bStart.received, bEnd.received);
  const delivered = windowRate(aStart.delivered, aEnd.delivered);
  const delta = (name: string) => (countersEnd[name] ?? 0) - (countersStart[name] ?? 0);
  return {
    sealedPerSecond: received.perSecond,
    deliveredPerSecond: delivered.perSecond,
    receiverCpu: received.cpuCores,
    senderCpu: delivered.cpuCores,
    itemsPerFrame: delta('session.items_sent') / Math.max(1, delta('session.frames_sent')),
    sendErrors: aEnd.sendErrors,
    lastSendError: aEnd.lastSendError,
    ping,
    messageRtt,
    pingFloodPerSecond: pings.perSecond,
    pingFloodCpuA: pings.cpuCores,
    pingFloodCpuB: windowRate(pingStartB.pongs, pingEndB.pongs).cpuCores,
    idleRssBytes: idle.rss,
  };
}

/** One peer (the hub) in its own process, K others in a second process; memory of the hub per session it opens. */
async function runSessionMemory(settings: Settings, dataRoot: string, log: (line: string) => void): Promise<MemoryResult> {
  const network = randomLoopbackNetwork();
  const start = { dataRoot, network, announceIntervalMs: 1000, expireAfterMs: 30_000 };
  await using hub = BenchChild.fork<PeerChildCommands>('hub', PEER_CHILD, execArgv(settings, 'hub'));
  await hub.call('start', { ...start, names: ['hub'] });
  await using others = BenchChild.fork<PeerChildCommands>('others', PEER_CHILD, execArgv(settings, 'others'));
  // One more than measured: the first session pays one-time costs (code paths, pools) and is left out.
  const names = Array.from({ length: settings.sessions + 1 }, (_, i) => `other-${i}`);
  const ids = (await others.call('start', { ...start, names }, 60_000)).map((p) => p.id);
  log(`session memory: hub (pid ${hub.pid}) and ${ids.length} peers in one process (pid ${others.pid})`);
  await hub.call('waitDiscovered', { index: 0, ids, timeoutMs: 15_000 }, 20_000);
  await hub.call('sendOneEach', { index: 0, ids: ids.slice(0, 1), timeoutMs: 10_000 });
  const before = await hub.call('memory', null);
  const { ms } = await hub.call('sendOneEach', { index: 0, ids: ids.slice(1), timeoutMs: 20_000 }, 30_000);
  const after = await hub.call('memory', null);
  const k = settings.sessions;
  return {
    sessions: k,
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapPerSession: (after.heapUsed - before.heapUsed) / k,
    externalPerSession: (after.external - before.external) / k,
    openMs: ms,
  };
}

const mb = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;
const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const settings = parseSettings();
  const startedAt = Date.now();
  const log = (line: string): void => {
    if (!settings.json) process.stderr.write(`  … ${line}\n`);
  };
  if (settings.cpuProfDir) await mkdir(settings.cpuProfDir, { recursive: true });
  const dataRoot = await mkdtemp(join(settings.dataDir, 'peerlab-peer-bench-'));
  // Also on a signal, which exits without running `finally`.
  const removeDataRoot = (): void => rmSync(dataRoot, { recursive: true, force: true });
  process.on('exit', removeDataRoot);
  const loadBefore = loadavg()[0]!;
  let raw: RawResult, pair: PairResult, memory: MemoryResult;
  try {
    raw = await runRaw(settings, log);
    pair = await runPair(settings, dataRoot, log);
    memory = await runSessionMemory(settings, dataRoot, log);
  } finally {
    await rm(dataRoot, { recursive: true, force: true });
    process.off('exit', removeDataRoot);
  }

  const cpu = cpus();
  const figures = {
    bench: 'peer',
    date: new Date(startedAt).toISOString(),
    cpus: cpu.length,
    cpu_model: cpu[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os_release: release(),
    mem_total_mb: mb(totalmem()),
    data_dir: settings.dataDir,
    loadavg_1m_before: round(loadBefore, 2),
    loadavg_1m_after: round(loadavg()[0]!, 2),
    window_s: settings.windowMs / 1000,
    payload_bytes: PAYLOAD_BYTES,
    sealed_msgs_per_s: round(pair.sealedPerSecond),
    delivered_per_s: round(pair.deliveredPerSecond),
    raw_grpc_msgs_per_s: round(raw.msgsPerSecond),
    sealed_vs_raw: round(pair.sealedPerSecond / raw.msgsPerSecond, 3),
    sealed_items_per_frame: round(pair.itemsPerFrame, 1),
    sealed_cpu_sender: round(pair.senderCpu, 2),
    sealed_cpu_receiver: round(pair.receiverCpu, 2),
    raw_cpu_sender: round(raw.senderCpu, 2),
    raw_cpu_receiver: round(raw.receiverCpu, 2),
    sealed_cpu_us_per_msg_sender: round((pair.senderCpu * 1e6) / pair.deliveredPerSecond, 1),
    sealed_cpu_us_per_msg_receiver: round((pair.receiverCpu * 1e6) / pair.sealedPerSecond, 1),
    raw_cpu_us_per_msg_sender: round((raw.senderCpu * 1e6) / raw.msgsPerSecond, 1),
    raw_cpu_us_per_msg_receiver: round((raw.receiverCpu * 1e6) / raw.msgsPerSecond, 1),
    sealed_send_errors: pair.sendErrors,
    sealed_ping_flood_per_s: round(pair.pingFloodPerSecond),
    sealed_ping_flood_vs_raw: round(pair.pingFloodPerSecond / raw.msgsPerSecond, 3),
    sealed_ping_flood_cpu_a: round(pair.pingFloodCpuA, 2),
    sealed_ping_flood_cpu_b: round(pair.pingFloodCpuB, 2),
    rtt_p50_us: pair.ping.p50,
    rtt_p99_us: pair.ping.p99,
    rtt_p999_us: pair.ping.p999,
    rtt_samples: pair.ping.count,
    raw_rtt_p50_us: raw.rtt.p50,
    raw_rtt_p99_us: raw.rtt.p99,
    raw_rtt_p999_us: raw.rtt.p999,
    msg_rtt_p50_us: pair.messageRtt.p50,
    msg_rtt_p99_us: pair.messageRtt.p99,
    msg_rtt_samples: pair.messageRtt.count,
    idle_rss_mb: mb(pair.idleRssBytes),
    session_bytes: round((memory.rssAfter - memory.rssBefore) / memory.sessions),
    session_heap_bytes: round(memory.heapPerSession),
    session_external_bytes: round(memory.externalPerSession),
    sessions_k: memory.sessions,
    sessions_open_ms: round(memory.openMs),
    wall_s: round((Date.now() - startedAt) / 1000, 1),
  };

  if (settings.json) {
    console.log(JSON.stringify(figures));
    return;
  }
  const rows: Array<[string, string, string]> = [
    ['sealed direct msgs/s (at B)', String(figures.sealed_msgs_per_s), `256 B text, fsync on both sides, ${figures.sealed_items_per_frame} items/frame`],
    ['delivered/s (acks at A)', String(figures.delivered_per_s), ''],
    ['raw grpc-js msgs/s', String(figures.raw_grpc_msgs_per_s), 'one gRPC message per 256 B, no storage'],
    ['sealed / raw', figures.sealed_vs_raw.toFixed(3), 'goal ≥ 0.85'],
    ['sealed CPU, cores (A / B)', `${figures.sealed_cpu_sender} / ${figures.sealed_cpu_receiver}`, `raw: ${figures.raw_cpu_sender} / ${figures.raw_cpu_receiver}`],
    [
      'sealed CPU µs per message (A / B)',
      `${figures.sealed_cpu_us_per_msg_sender} / ${figures.sealed_cpu_us_per_msg_receiver}`,
      `raw: ${figures.raw_cpu_us_per_msg_sender} / ${figures.raw_cpu_us_per_msg_receiver}`,
    ],
    [
      'sealed ping flood, round trips/s',
      String(figures.sealed_ping_flood_per_s),
      `session layer alone: ${PING_FLOOD_IN_FLIGHT} pings in flight, no storage; ${figures.sealed_ping_flood_vs_raw} × raw; ` +
        `CPU ${figures.sealed_ping_flood_cpu_a} / ${figures.sealed_ping_flood_cpu_b}`,
    ],
    ['sealed ping RTT p50 / p99 / p99.9', `${figures.rtt_p50_us} / ${figures.rtt_p99_us} / ${figures.rtt_p999_us} µs`, `goal p50 < 150, p99 < 1000; ${figures.rtt_samples} samples`],
    ['raw echo RTT p50 / p99 / p99.9', `${figures.raw_rtt_p50_us} / ${figures.raw_rtt_p99_us} / ${figures.raw_rtt_p999_us} µs`, '256 B echo on a raw stream'],
    ['message RTT p50 / p99', `${figures.msg_rtt_p50_us} / ${figures.msg_rtt_p99_us} µs`, `send → ack, one at a time; ${figures.msg_rtt_samples} samples`],
    ['idle peer RSS', `${figures.idle_rss_mb} MB`, 'after GC, one session up'],
    ['memory per session (RSS)', `${figures.session_bytes} B`, `heap ${figures.session_heap_bytes} B, external ${figures.session_external_bytes} B; K = ${figures.sessions_k} opened in ${figures.sessions_open_ms} ms`],
  ];
  console.log(`peer bench — ${figures.date}, ${figures.cpus} × ${figures.cpu_model}, node ${figures.node}, linux ${figures.os_release}`);
  console.log(
    `window ${figures.window_s} s after ${settings.warmupMs / 1000} s warm-up; data dirs in ${figures.data_dir}; ` +
      `load average ${figures.loadavg_1m_before} → ${figures.loadavg_1m_after}; wall ${figures.wall_s} s\n`,
  );
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [name, value, note] of rows) console.log(`${name.padEnd(w0)}  ${value.padStart(w1)}  ${note}`);
  if (pair.sendErrors > 0) console.log(`\n${pair.sendErrors} sends failed during the flood; last: ${pair.lastSendError}`);
  if (settings.cpuProfDir) console.log(`\nCPU profiles in ${settings.cpuProfDir} (summarise with node dist/bench/cpu-profile-top.js FILE)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
