/**
 * The lab's network on plain sockets (no peers): CONNECT tunnels named by their dialler,
 * partitions that reset and hold, heal, reset, delay that keeps order, and the multicast
 * relay that forwards, drops across a cut and loses what a lossy egress loses.
 */
import dgram, { type Socket as UdpSocket } from 'node:dgram';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOPBACK, openLoopbackSender, randomMulticastEndpoint } from '../../../../test/support/multicast-loopback.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { LabNetwork } from './lab-network.js';
import { NetworkThread } from './network-thread.js';

const closers: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A TCP server standing in for a peer: it echoes what it gets. */
async function echoServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

async function labNetwork(group = randomMulticastEndpoint().group): Promise<LabNetwork> {
  const network = await LabNetwork.start({ multicastGroup: group });
  closers.push(() => network.close());
  return network;
}

/** A network with two echo servers claimed by p1 and p2. */
async function networkWithTwoPeers(): Promise<{ network: LabNetwork; p1: number; p2: number }> {
  const network = await labNetwork();
  const [p1, p2] = [await echoServer(), await echoServer()];
  await network.handle({ op: 'peer', name: 'p1', grpcPort: p1 });
  await network.handle({ op: 'peer', name: 'p2', grpcPort: p2 });
  return { network, p1, p2 };
}

interface Tunnel {
  /** The CONNECT answer's status, once it came. */
  status: Promise<number>;
  socket: Promise<Socket>;
}

/** Dials `target` through the proxy as `name` (undefined: no name), the way grpc-js does. */
function dial(proxyPort: number, name: string | undefined, target: string): Tunnel {
  const headers: Record<string, string> = { Host: target };
  if (name !== undefined) headers['Proxy-Authorization'] = `Basic ${Buffer.from(name).toString('base64')}`;
  const req = http.request({ host: LOOPBACK, port: proxyPort, method: 'CONNECT', path: target, headers });
  const answered = new Promise<[number, Socket]>((resolve, reject) => {
    req.once('connect', (res, socket: Socket) => {
      socket.on('error', () => undefined);
      closers.push(() => void socket.destroy());
      resolve([res.statusCode ?? 0, socket]);
    });
    req.once('error', reject);
  });
  req.end();
  return { status: answered.then(([s]) => s), socket: answered.then(([, s]) => s) };
}

/** Writes `text` and resolves with the echo once all of it came back. */
async function roundTrip(socket: Socket, text: string): Promise<string> {
  let got = '';
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('the lab network: TCP proxy', () => {
  it('tunnels a named peer to the peer on the target port, and lists the link', async () => {
    const network = await labNetwork();
    const port = await echoServer();
    await network.handle({ op: 'peer', name: 'p1', grpcPort: port });
    const tunnel = dial(network.proxy.port, 'p0', `127.0.0.1:${port}`);
    expect(await tunnel.status).toBe(200);
    expect(await roundTrip(await tunnel.socket, 'hello')).toBe('hello');
    const { links } = (await network.handle({ op: 'links' })) as { links: Array<{ from: string; to: string; bytesUp: number }> };
    expect(links).toEqual([expect.objectContaining({ from: 'p0', to: 'p1', bytesUp: 5 })]);
  });

  it('refuses a CONNECT without a peer name, or to an address off this machine', async () => {
    const network = await labNetwork();
    expect(await dial(network.proxy.port, undefined, '127.0.0.1:9').status).toBe(407);
    expect(await dial(network.proxy.port, 'p0', '10.1.2.3:80').status).toBe(403);
  });

  it('waits for a port no peer has claimed yet, then connects to the peer that claims it', async () => {
    const network = await labNetwork();
    const port = await echoServer();
    const tunnel = dial(network.proxy.port, 'p0', `127.0.0.1:${port}`);
    await network.handle({ op: 'peer', name: 'p1', grpcPort: port });
    expect(await tunnel.status).toBe(200);
  });

  it('partition: resets links across the cut, holds new ones unanswered until heal, leaves the rest', async () => {
    const { network, p1, p2 } = await networkWithTwoPeers();
    const across = await dial(network.proxy.port, 'p0', `127.0.0.1:${p2}`).socket;
    const inside = await dial(network.proxy.port, 'p0', `127.0.0.1:${p1}`).socket;
    let acrossError: string | undefined;
    across.on('error', (err: NodeJS.ErrnoException) => (acrossError = err.code));

    expect(await network.handle({ op: 'partition', groups: [['p0', 'p1'], ['p2']] })).toEqual({ reset: 1 });
    await closed(across);
    expect(acrossError).toBe('ECONNRESET');
    expect(await roundTrip(inside, 'still here')).toBe('still here');

    let answered = false;
    const held = dial(network.proxy.port, 'p2', `127.0.0.1:${p1}`);
    void held.status.then(() => (answered = true));
    await waitFor(async () => ((await network.handle({ op: 'links' })) as { held: number }).held === 1, 5_000, 'the CONNECT to be held');
    expect(answered).toBe(false);

    expect(await network.handle({ op: 'heal' })).toEqual({ released: 1 });
    expect(await held.status).toBe(200);
    expect(await roundTrip(await held.socket, 'after the heal')).toBe('after the heal');
  });

  it('reset: breaks every link of the named peers, both ends', async () => {
    const { network, p1, p2 } = await networkWithTwoPeers();
    const toP1 = await dial(network.proxy.port, 'p0', `127.0.0.1:${p1}`).socket;
    const toP2 = await dial(network.proxy.port, 'p0', `127.0.0.1:${p2}`).socket;
    expect(await network.handle({ op: 'reset', peers: ['p1'] })).toEqual({ reset: 1 });
    await closed(toP1);
    expect(await roundTrip(toP2, 'untouched')).toBe('untouched');
  });

  it('delays each direction by its sender\'s egress and keeps the byte order under jitter', async () => {
    const network = await labNetwork();
    const port = await echoServer();
    await network.handle({ op: 'peer', name: 'p1', grpcPort: port });
    await network.handle({ op: 'shape', peers: ['p0', 'p1'], shape: { delayMs: 10, jitterMs: 8, loss: 0 } });
    const socket = await dial(network.proxy.port, 'p0', `127.0.0.1:${port}`).socket;
    const started = performance.now();
    let firstEcho = 0;
    const text = Array.from({ length: 200 }, (_, i) => `<${i}>`).join('');
    let got = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        firstEcho ||= performance.now();
        got += d.toString();
        if (got.length >= text.length) resolve();
      });
      // One chunk per write, each with its own jitter draw.
      let i = 0;
      const next = () => {
        if (i < 200) socket.write(`<${i++}>`, () => setImmediate(next));
      };
      next();
    });
    expect(got).toBe(text);
    // Out and back: at least (delay − jitter) each way.
    expect(firstEcho - started).toBeGreaterThanOrEqual(4);
  });
});

describe('the lab network in its worker thread', () => {
  it('closes while a link is closing under it (a reset after a FIN once left the thread spinning, never exiting)', async () => {
    const port = await echoServer();
    for (let i = 0; i < 10; i++) {
      const thread = await NetworkThread.start({ multicastGroup: randomMulticastEndpoint().group });
      await thread.send({ op: 'peer', name: 'p1', grpcPort: port });
      const socket = await dial(thread.proxyPort, 'p0', `127.0.0.1:${port}`).socket;
      expect(await roundTrip(socket, 'hi')).toBe('hi');
      socket.destroy();
      await thread.close();
    }
  }, 30_000);
});

describe('the lab network: multicast relay', () => {
  /** A peer's multicast socket: bound to the group on its own port, as the peer binds it. */
  async function listener(group: string, port: number): Promise<{ socket: UdpSocket; heard: string[] }> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const heard: string[] = [];
    await new Promise<void>((resolve) => socket.bind({ port, address: group }, resolve));
    socket.addMembership(group, LOOPBACK);
    socket.on('message', (m) => heard.push(m.toString()));
    closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    return { socket, heard };
  }

  it('forwards a peer\'s announcements to the others\' ports, not across a cut, not what its egress loses', async () => {
    const { group, port } = randomMulticastEndpoint();
    const network = await labNetwork(group);
    const ports = { p0: port, p1: port + 1, p2: port + 2 };
    for (const [name, p] of Object.entries(ports)) await network.handle({ op: 'peer', name, multicastPort: p });
    const [l1, l2] = [await listener(group, ports.p1), await listener(group, ports.p2)];
    await using p0 = await openLoopbackSender(group, ports.p0);

    await p0.send(Buffer.from('one'));
    await waitFor(() => l1.heard.includes('one') && l2.heard.includes('one'), 5_000, 'both to hear p0');

    await network.handle({ op: 'partition', groups: [['p0', 'p1'], ['p2']] });
    await p0.send(Buffer.from('two'));
    await waitFor(() => l1.heard.includes('two'), 5_000, 'p1 to hear p0 inside the group');

    await network.handle({ op: 'heal' });
    await network.handle({ op: 'shape', peers: ['p0'], shape: { delayMs: 0, jitterMs: 0, loss: 1 } });
    await p0.send(Buffer.from('three'));
    const relay = async () => ((await network.handle({ op: 'links' })) as { relay: { lost: number } }).relay;
    await waitFor(async () => (await relay()).lost === 1, 5_000, 'the relay to lose "three"');
    await network.handle({ op: 'shape', peers: ['p0'], shape: { delayMs: 0, jitterMs: 0, loss: 0 } });
    await p0.send(Buffer.from('four'));
    await waitFor(() => l1.heard.includes('four') && l2.heard.includes('four'), 5_000, 'both to hear p0 after the heal');
    expect(l2.heard).toEqual(['one', 'four']);
    expect(l1.heard).toEqual(['one', 'two', 'four']);
  });
});
