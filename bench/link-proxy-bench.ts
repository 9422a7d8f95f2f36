/**
 * What the lab's network costs when it shapes nothing: round trips with and without it
 * in the path, interleaved so both see the same machine. Prints figures; asserts nothing.
 *
 *   npm run build && node dist/bench/link-proxy-bench.js [--json] [--samples 2000] [--messages 200]
 *
 * - tcp: 256-byte ping-pong to an echo server, direct vs through the proxy (worker thread,
 *   CONNECT tunnel, unshaped): the proxy's own cost per round trip (two extra hops).
 * - message: a peer's direct message until its ack (send → delivered, fsync on both
 *   sides), two peers connecting directly vs two peers on the lab's network: the cost as
 *   a scenario sees it.
 */
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NetworkThread } from '../lab/runtimes/process/network/network-thread.js';
import { ProcessRuntime } from '../lab/runtimes/process/process-runtime.js';
import type { StartedPeer } from '../lab/runtimes/runtime.js';
import type { PeerEvent } from '../peer/events.js';
import { MsHistogram } from '../lab/metrics/histogram.js';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, samples: { type: 'string', default: '2000' }, messages: { type: 'string', default: '200' } } });
const PAYLOAD = Buffer.alloc(256, 'x');

/** Sends the payload and resolves when all of it came back. */
function ping(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= PAYLOAD.length) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.write(PAYLOAD);
  });
}

async function tunnel(proxyPort: number, target: number): Promise<Socket> {
  const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `127.0.0.1:${target}`, headers: { 'Proxy-Authorization': `Basic ${Buffer.from('bench').toString('base64')}` } });
  req.end();
  const socket = await new Promise<Socket>((resolve) => req.once('connect', (_res, s: Socket) => resolve(s)));
  socket.setNoDelay(true);
  return socket;
}

/** Runs `a` and `b` alternately `n` times each; the two distributions in ms. */
async function interleaved(n: number, a: () => Promise<void>, b: () => Promise<void>): Promise<[MsHistogram, MsHistogram]> {
  const [ha, hb] = [new MsHistogram(), new MsHistogram()];
  for (let i = 0; i < n; i++) {
    for (const [run, h] of [[a, ha], [b, hb]] as const) {
      const started = performance.now();
      await run();
      h.record(performance.now() - started);
    }
  }
  return [ha, hb];
}

const figures = (h: MsHistogram) => {
  const s = h.summary();
  return { p50_us: Math.round(s.p50 * 1000), p90_us: Math.round(s.p90 * 1000), p99_us: Math.round(s.p99 * 1000) };
};

async function tcpFigures(samples: number) {
  const echo = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const port = (echo.address() as net.AddressInfo).port;
  const thread = await NetworkThread.start({ multicastGroup: '239.255.250.1' });
  await thread.send({ op: 'peer', name: 'echo', grpcPort: port });
  const direct = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve) => direct.once('connect', resolve));
  const proxied = await tunnel(thread.proxyPort, port);
  for (let i = 0; i < 200; i++) await Promise.all([ping(direct), ping(proxied)]);
  const [d, p] = await interleaved(samples, () => ping(direct), () => ping(proxied));
  direct.destroy();
  proxied.destroy();
  await thread.close();
  echo.close();
  return { direct: figures(d), proxied: figures(p) };
}

/** Two peers of `runtime` that see each other, with the sender's events. */
async function pair(runtime: ProcessRuntime, linkFaults: boolean) {
  const settings = { announceIntervalMs: 200, expireAfterMs: 2000 };
  const [a, b] = (await Promise.all(['p0', 'p1'].map((name) => runtime.start({ name, settings, linkFaults })))) as [StartedPeer, StartedPeer];
  while (!(await a.control.listPeers()).some((p) => p.id === b.id)) await new Promise((r) => setTimeout(r, 50));
  const acked = new Set<string>();
  let wake = () => {};
  const sub = a.control.subscribe((e: PeerEvent) => {
    if (e.type === 'delivered') {
      acked.add(e.messageId);
      wake();
    }
  });
  await sub.ready;
  const roundTrip = async () => {
    const { messageId } = await a.control.send(b.id, 'x'.repeat(256));
    // The ack may come before the Send call returns: it is looked for in what came.
    while (!acked.delete(messageId)) await new Promise<void>((resolve) => (wake = resolve));
  };
  return { roundTrip, close: () => sub.close() };
}

async function messageFigures(messages: number) {
  await using directRuntime = await ProcessRuntime.create();
  await using labRuntime = await ProcessRuntime.create();
  const [direct, proxied] = await Promise.all([pair(directRuntime, false), pair(labRuntime, true)]);
  for (let i = 0; i < 20; i++) await Promise.all([direct.roundTrip(), proxied.roundTrip()]);
  const [d, p] = await interleaved(messages, direct.roundTrip, proxied.roundTrip);
  direct.close();
  proxied.close();
  return { direct: figures(d), proxied: figures(p) };
}

const tcp = await tcpFigures(Number(values.samples));
const message = await messageFigures(Number(values.messages));
if (values.json) {
  process.stdout.write(`${JSON.stringify({ tcp, message })}\n`);
} else {
  for (const [name, f] of Object.entries({ tcp, message })) {
    process.stdout.write(`${name}: direct p50 ${f.direct.p50_us} µs p90 ${f.direct.p90_us} p99 ${f.direct.p99_us} · through the lab's network p50 ${f.proxied.p50_us} µs p90 ${f.proxied.p90_us} p99 ${f.proxied.p99_us}\n`);
  }
}
