/**
 * A fake Spawner for the dispatcher's unit tests only (the end-to-end tests use the
 * real process spawner). It implements the contract exactly, and each instance is a
 * real HTTP server on loopback standing in for a peer's web UI, so the proxy is
 * tested over real sockets:
 * - every request needs `Authorization: Bearer <webToken>` (else 401);
 * - any other request answers the instance and user, and echoes the request's path,
 *   method and headers but the bearer token (so a test sees what the proxy forwarded);
 * - `GET /set-cookie` sets a cookie with Path=/; `GET /redirect-abs` redirects to its own origin;
 * - a WebSocket-style upgrade answers 101 and echoes every byte back.
 * Tests can slow starts down (`delayMs`) and make them fail (`failNextVacant`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PeerInstance, Spawner } from '../../dispatcher/spawners/spawner.js';

interface FakeInstance {
  instanceId: string;
  user: string | undefined;
  state: PeerInstance['state'];
  webUrl: string;
  webToken: string;
  startedAtMs: number;
  server: Server;
}

export interface FakeSpawnerCalls {
  startVacant: number;
  claim: { instanceId: string; user: string }[];
  startFor: string[];
  stop: string[];
}

export class FakeSpawner implements Spawner {
  readonly kind = 'process' as const;
  readonly instances = new Map<string, FakeInstance>();
  readonly calls: FakeSpawnerCalls = { startVacant: 0, claim: [], startFor: [], stop: [] };
  /** Every request each instance served: [instanceId, path, headers]. */
  readonly requests: { instanceId: string; path: string; headers: IncomingMessage['headers'] }[] = [];
  delayMs = 0;
  failNextVacant = 0;
  private readonly starting = new Map<string, Promise<PeerInstance>>();
  private counter = 0;

  async startVacant(): Promise<PeerInstance> {
    this.calls.startVacant += 1;
    await this.delay();
    if (this.failNextVacant > 0) {
      this.failNextVacant -= 1;
      throw new Error('fake: vacant start failed');
    }
    return this.snapshot(await this.launch(undefined, 'vacant'));
  }

  async claim(instanceId: string, user: string): Promise<PeerInstance> {
    this.calls.claim.push({ instanceId, user });
    const instance = this.instances.get(instanceId);
    if (!instance || instance.state !== 'vacant') throw new Error(`fake: ${instanceId} is not vacant`);
    if (this.liveFor(user)) throw new Error(`fake: ${user} already has a peer`);
    // Atomic: taken before the first await.
    instance.state = 'claimed';
    instance.user = user;
    await this.delay();
    return this.snapshot(instance);
  }

  startFor(user: string, onProgress?: (step: string) => void): Promise<PeerInstance> {
    const live = this.liveFor(user);
    if (live) return Promise.resolve(this.snapshot(live));
    let pending = this.starting.get(user);
    if (!pending) {
      this.calls.startFor.push(user);
      pending = (async () => {
        onProgress?.('fake: starting');
        await this.delay();
        const instance = await this.launch(user, 'claimed');
        onProgress?.('fake: ready');
        return this.snapshot(instance);
      })().finally(() => this.starting.delete(user));
      this.starting.set(user, pending);
    }
    return pending;
  }

  async stop(user: string): Promise<void> {
    this.calls.stop.push(user);
    const live = this.liveFor(user);
    if (!live) return;
    live.state = 'stopped';
    await closeServer(live.server);
  }

  async list(): Promise<PeerInstance[]> {
    return [...this.instances.values()].filter((i) => i.state !== 'stopped').map((i) => this.snapshot(i));
  }

  /** Kills an instance's server without telling anyone (a crashed peer). */
  async crash(instanceId: string): Promise<void> {
    const instance = this.instances.get(instanceId)!;
    instance.state = 'stopped';
    await closeServer(instance.server);
  }

  async close(): Promise<void> {
    await Promise.all([...this.instances.values()].filter((i) => i.state !== 'stopped').map((i) => closeServer(i.server)));
    for (const instance of this.instances.values()) instance.state = 'stopped';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  liveFor(user: string): FakeInstance | undefined {
    return [...this.instances.values()].find((i) => i.user === user && i.state !== 'stopped');
  }

  private snapshot(i: FakeInstance): PeerInstance {
    return { instanceId: i.instanceId, user: i.user, state: i.state, webUrl: i.webUrl, webToken: i.webToken, startedAtMs: i.startedAtMs };
  }

  private async delay(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }

  private async launch(user: string | undefined, state: PeerInstance['state']): Promise<FakeInstance> {
    const instanceId = `fake-${++this.counter}`;
    const webToken = randomBytes(24).toString('base64url');
    const server = createServer((req, res) => {
      this.requests.push({ instanceId, path: req.url ?? '', headers: req.headers });
      if (req.headers.authorization !== `Bearer ${webToken}`) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('fake peer: no token');
        return;
      }
      const instance = this.instances.get(instanceId)!;
      if (req.url === '/set-cookie') {
        res.writeHead(200, { 'set-cookie': ['ui=1; Path=/; HttpOnly', 'other=2; Domain=127.0.0.1; Path=/api'] });
        res.end('ok');
        return;
      }
      if (req.url === '/redirect-abs') {
        res.writeHead(302, { location: `${instance.webUrl}landed?x=1` });
        res.end();
        return;
      }
      // The echo leaves the bearer token out (a real UI never shows it): a test can then look for it in every answer.
      const { authorization: _bearer, ...headers } = req.headers;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ instanceId, user: instance.user, path: req.url, method: req.method, headers }));
    });
    server.on('upgrade', (req, socket, head) => {
      this.requests.push({ instanceId, path: req.url ?? '', headers: req.headers });
      if (req.headers.authorization !== `Bearer ${webToken}`) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Instance: ${instanceId}\r\n\r\n`);
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const instance: FakeInstance = { instanceId, user, state, webUrl: `http://127.0.0.1:${port}/`, webToken, startedAtMs: Date.now(), server };
    this.instances.set(instanceId, instance);
    return instance;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
