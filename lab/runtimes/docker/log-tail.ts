/**
 * Follows a container's output (stdout and stderr, demultiplexed), keeps its tail for
 * error messages, and tells when the peer printed its JSON `ready` line.
 */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

const KEEP = 32 * 1024;

export class LogTail {
  private tail = '';
  private partial = '';
  private readyWaiters: Array<() => void> = [];
  private endWaiters: Array<() => void> = [];
  private sawReady = false;
  private ended = false;
  private stream: NodeJS.ReadableStream | undefined;

  private closed = false;

  private constructor(
    private readonly container: Docker.Container,
    private readonly since: number,
  ) {}

  /** Starts following `container` from `since` (unix seconds, fractional). */
  static async follow(container: Docker.Container, since: number): Promise<LogTail> {
    const tail = new LogTail(container, since);
    await tail.attach();
    return tail;
  }

  private async attach(): Promise<void> {
    const stream = (await this.container.logs({ follow: true, stdout: true, stderr: true, since: this.since.toFixed(3) as unknown as number })) as NodeJS.ReadableStream;
    this.stream = stream;
    const out = new PassThrough();
    this.container.modem.demuxStream(stream, out, out);
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => this.onData(chunk));
    let once = false;
    const end = () => {
      if (once) return;
      once = true;
      void this.streamEnded();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  /**
   * A follow stream can end while the container is still (re)starting (a restart right
   * after a kill): follow again while it runs and the ready line is still to come.
   */
  private async streamEnded(): Promise<void> {
    if (!this.closed && !this.sawReady && this.reattempts++ < 5) {
      const running = await this.container.inspect().then((i) => i.State.Running, () => false);
      if (running) {
        this.partial = '';
        return this.attach().catch(() => this.onEnd());
      }
    }
    this.onEnd();
  }

  private reattempts = 0;

  /** The last lines the container printed. */
  text(): string {
    return this.tail.slice(-2000);
  }

  /** Resolves on the ready line; rejects when the output ends first or after `ms`. */
  ready(ms: number, what: string): Promise<void> {
    if (this.sawReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no ready line within ${ms} ms; output: ${this.text().slice(-500)}`)), ms);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.endWaiters.push(() => {
        clearTimeout(timer);
        reject(new Error(`${what}: exited before its ready line; output: ${this.text().slice(-500)}`));
      });
      if (this.ended) this.onEnd();
    });
  }

  /** Stops following. */
  close(): void {
    this.closed = true;
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  private onData(chunk: string): void {
    this.tail = (this.tail + chunk).slice(-KEEP);
    if (this.sawReady) return;
    this.partial = (this.partial + chunk).slice(-KEEP);
    if (this.partial.includes('"type":"ready"')) {
      this.sawReady = true;
      this.partial = '';
      for (const w of this.readyWaiters.splice(0)) w();
      this.endWaiters = [];
    }
  }

  private onEnd(): void {
    this.ended = true;
    if (this.sawReady) return;
    for (const w of this.endWaiters.splice(0)) w();
    this.readyWaiters = [];
  }
}
