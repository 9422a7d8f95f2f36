/**
 * One real `peerlab host` process on this machine: many peers in one process, started
 * with the lab's loopback multicast and settings, its control API reachable with a token
 * the launcher chose. Peers are started in it through the Host service (`client`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HostControlClient } from '../../../peer/control/host-client.js';
import type { PeerSettings } from '../../scenario/types.js';
import { labPeerArgs } from '../peer-args.js';
import { loopbackArgs, onLines, OutputTail, terminate } from './child-output.js';
import { PEERLAB_CLI, type LoopbackNetwork } from './peer-process.js';

export interface HostProcessSpec {
  /** The lab's name for the host (`h0`), for messages. */
  name: string;
  /** Where its peers' data dirs go (`<dataRoot>/<peer name>`). */
  dataRoot: string;
  network: LoopbackNetwork;
  settings?: PeerSettings;
  connectOnDiscovery?: boolean;
  /** Peers to start with the host (`--names`); more start through the Host service. */
  peers?: string[];
  /** How long to wait for the ready line. */
  startTimeoutMs: number;
  env?: Record<string, string>;
  /** Called with the child process as soon as it is spawned (so a launcher can kill it on exit). */
  onSpawn?: (child: ChildProcessWithoutNullStreams) => void;
}

/** The host's ready line. */
interface HostReady {
  type: 'host_ready';
  controlPort: number;
  peers: Array<{ name: string; id: string; grpcPort: number }>;
}

/** A host process that has printed its ready line. */
export class StartedHostProcess implements AsyncDisposable {
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly stderrTail: OutputTail;
  private clientNow: HostControlClient | undefined;
  private readyLine: HostReady | undefined;
  private readonly readyWaiters = new Set<() => void>();

  constructor(
    readonly spec: HostProcessSpec,
    readonly child: ChildProcessWithoutNullStreams,
    readonly controlToken: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.stderrTail = new OutputTail(child.stderr);
    onLines(child.stdout, (line) => this.onLine(line));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What it wrote to stderr lately. */
  get stderr(): string {
    return this.stderrTail.text;
  }

  get ready(): HostReady {
    if (!this.readyLine) throw new Error(`host ${this.spec.name} is not ready yet`);
    return this.readyLine;
  }

  /** The Host service client (one channel, shared by every hosted peer's ControlClient). */
  get client(): HostControlClient {
    // Calls (a crash, a stop) get as long as the host had to come up: one busy with hundreds of
    // peers under load answers late (a kill at 300 peers missed a 10 s deadline), which is slow, not gone.
    this.clientNow ??= new HostControlClient(`127.0.0.1:${this.ready.controlPort}`, this.controlToken, Math.max(10_000, this.spec.startTimeoutMs));
    return this.clientNow;
  }

  /** Resolves once the ready line is out; rejects when the host exits first or after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<HostReady> {
    if (this.readyLine) return Promise.resolve(this.readyLine);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`host ${this.spec.name}: no ready line within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`host ${this.spec.name} exited (${code}) before it was ready; stderr: ${this.stderr.slice(-2000)}`));
      };
      const onReady = () => {
        done();
        resolve(this.readyLine!);
      };
      const done = () => {
        clearTimeout(timer);
        this.readyWaiters.delete(onReady);
        this.child.off('exit', onExit);
      };
      this.readyWaiters.add(onReady);
      this.child.once('exit', onExit);
    });
  }

  /** SIGTERM (every hosted peer stops gracefully), then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.clientNow?.close();
    if (!this.isRunning) return void (await this.exited);
    await terminate(this.child, this.exited, timeoutMs);
  }

  /** SIGKILL: every hosted peer crashes at once. */
  async kill(): Promise<void> {
    this.clientNow?.close();
    if (this.isRunning) this.child.kill('SIGKILL');
    await this.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private onLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.stderrTail.add(`[stdout, not JSON] ${line}\n`);
      return;
    }
    if ((parsed as { type?: unknown }).type !== 'host_ready') return;
    this.readyLine = parsed as HostReady;
    for (const waiter of [...this.readyWaiters]) waiter();
  }
}

/** Starts `peerlab host` for `spec` and resolves once it is ready (its `--names` peers up). */
export async function startHostProcess(spec: HostProcessSpec): Promise<StartedHostProcess> {
  const controlToken = randomBytes(24).toString('base64url');
  const args = [
    PEERLAB_CLI,
    'host',
    '--data', spec.dataRoot,
    ...loopbackArgs(spec.network),
    ...labPeerArgs(spec.settings ?? {}, spec.connectOnDiscovery),
    ...(spec.peers?.length ? ['--names', spec.peers.join(',')] : []),
    '--json',
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env, PEERLAB_CONTROL_TOKEN: controlToken, NO_COLOR: '1' },
  });
  spec.onSpawn?.(child);
  const host = new StartedHostProcess(spec, child, controlToken);
  try {
    await host.waitReady(spec.startTimeoutMs);
  } catch (err) {
    await host.kill();
    throw err;
  }
  return host;
}
