/**
 * A real etcd (Debian's etcd-server) for the lab and the tests: one member on
 * 127.0.0.1, free ports, a temp data dir. It can be stopped and started again on the
 * same ports and data (a registry outage), and is removed at close.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { LabError } from '../runtimes/errors.js';
import { etcdAvailable, etcdBinary } from './etcd-binary.js';
import { untilEtcdAnswers } from './etcd-ready.js';

/** How long etcd may take to answer after it was started (0.5 s here, unloaded). */
const READY_TIMEOUT_MS = 20_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class EtcdServer implements AsyncDisposable {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    readonly dataDir: string,
    readonly clientPort: number,
    private readonly peerPort: number,
  ) {}

  /** Starts etcd and waits until it answers; throws LabError when it cannot. */
  static async start(): Promise<EtcdServer> {
    if (!etcdAvailable()) {
      throw new LabError(`etcd is not installed (${etcdBinary()} does not run): install the Debian package etcd-server (scripts/install-system-deps.sh) or set ETCD_BIN`);
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'peerlab-etcd-'));
    const server = new EtcdServer(dataDir, await freePort(), await freePort());
    try {
      await server.resume();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** `127.0.0.1:PORT`, for `--registry etcd://…`. */
  get address(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts etcd again on the same ports and data (after pause()). */
  async resume(): Promise<void> {
    if (this.child) return;
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const child = spawn(etcdBinary(), [
      '--name', 'n1', '--data-dir', this.dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `n1=${peer}`, '--log-level', 'error',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000)));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await this.waitUntilAnswering(child);
  }

  /** Stops etcd (SIGTERM, then SIGKILL after 5 s); the data stays for resume(). */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  async close(): Promise<void> {
    await this.pause();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A client of this etcd (the caller closes it). */
  client(): Etcd3 {
    return new Etcd3({ hosts: `http://${this.address}` });
  }

  private waitUntilAnswering(child: ChildProcess): Promise<void> {
    return untilEtcdAnswers(
      this.address,
      READY_TIMEOUT_MS,
      () => new LabError(`etcd did not answer on ${this.address} within ${READY_TIMEOUT_MS} ms: ${this.log.trim()}`),
      () =>
        child.exitCode !== null || child.signalCode !== null
          ? new LabError(`etcd exited (${child.exitCode ?? child.signalCode}) while starting on ${this.address}: ${this.log.trim()}`)
          : undefined,
    );
  }
}
