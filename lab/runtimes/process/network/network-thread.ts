/**
 * The lab's network for process peers, seen from the runtime: it runs in a worker thread
 * (worker.ts, from dist/ like the peers), so the delays it adds are timed on an event loop
 * that the lab's own bookkeeping never blocks. Commands are messages; each resolves with
 * the worker's answer.
 */
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LabError } from '../../errors.js';
import { PEERLAB_CLI } from '../peer-process.js';
import type { LabNetworkOptions, NetworkAnswers, NetworkCommand } from './lab-network.js';

/** The compiled worker, next to the compiled CLI the peers run. */
const WORKER = join(dirname(PEERLAB_CLI), '..', 'lab', 'runtimes', 'process', 'network', 'worker.js');

type Reply = { id: number; answer: unknown } | { id: number; error: string };

export class NetworkThread {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    /** Where peers' grpc-js dials through (HTTP CONNECT). */
    readonly proxyPort: number,
  ) {
    worker.on('message', (reply: Reply) => {
      const call = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if ('error' in reply) call?.reject(new LabError(`the lab's network: ${reply.error}`));
      else call?.resolve(reply.answer);
    });
    const fail = (err: Error) => {
      this.failure ??= new LabError(`the lab's network stopped: ${err.message}`, { cause: err });
      for (const call of this.waiting.values()) call.reject(this.failure);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`its thread exited (${code})`)));
    // It keeps the lab alive only while a command is under way, never on its own.
    worker.unref();
  }

  /** Starts the thread and resolves once the proxy listens. */
  static async start(options: LabNetworkOptions): Promise<NetworkThread> {
    // None of the lab's own node flags (say --input-type, which a worker file refuses).
    const worker = new Worker(WORKER, { workerData: options, execArgv: [] });
    const proxyPort = await new Promise<number>((resolve, reject) => {
      const fail = (err: Error) => reject(new LabError(`cannot start the lab's network (${WORKER}): ${err.message}`, { cause: err }));
      worker.once('error', fail);
      worker.once('message', (m: { ready?: { proxyPort: number }; failed?: string }) => {
        worker.off('error', fail);
        if (m.ready) resolve(m.ready.proxyPort);
        else fail(new Error(m.failed ?? 'no ready message'));
      });
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    return new NetworkThread(worker, proxyPort);
  }

  /** Runs one command in the thread. */
  send<C extends NetworkCommand>(command: C): Promise<NetworkAnswers[C['op']]> {
    return this.call({ command }) as Promise<NetworkAnswers[C['op']]>;
  }

  /** Closes every proxied connection and socket, then ends the thread. */
  async close(): Promise<void> {
    if (!this.failure) await this.call({ close: true }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call(body: object): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, ...body });
    });
  }
}
