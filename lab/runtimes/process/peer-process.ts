/**
 * One real peer process on this machine: `peerlab peer --json` with its
 * multicast pinned to loopback, its events read from stdout, its control API
 * reachable with a token the launcher chose. Started peers are
 * AsyncDisposable, so a test writes `await using alice = await startPeerProcess(...)`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ControlClient } from '../../../peer/control/control-client.js';
import type { PeerEvent } from '../../../peer/events.js';
import { packageRoot } from '../../../peer/package-root.js';
import type { PeerSettings } from '../../scenario/types.js';
import { labPeerArgs } from '../peer-args.js';
import { loopbackArgs, onLines, OutputTail, terminate } from './child-output.js';

/** Where multicast goes: loopback only, so no packet leaves this machine. */
export interface LoopbackNetwork {
  group: string;
  port: number;
}

/** A multicast group and port of its own, so concurrent runs never hear each other. */
export function randomLoopbackNetwork(): LoopbackNetwork {
  const bytes = randomBytes(3);
  return { group: `239.255.${bytes[0]! % 256}.${1 + (bytes[1]! % 254)}`, port: 20_000 + (bytes.readUInt16BE(1) % 10_000) };
}

export interface PeerProcessSpec {
  name: string;
  dataDir: string;
  network: LoopbackNetwork;
  /** The scenario's settings (the lab's defaults where it gives none), and `args` verbatim. */
  settings?: PeerSettings;
  /** Open a session to every peer as soon as it is discovered. */
  connectOnDiscovery?: boolean;
  /** Pipe commands on stdin (the CLI); otherwise the peer runs with --no-stdin. */
  interactive?: boolean;
  extraArgs?: string[];
  /** Fixed ports, to restart a peer where others expect it; 0 picks free ones. */
  grpcPort?: number;
  /** How long to wait for the ready line. */
  startTimeoutMs?: number;
  /**
   * Keep every event and output line in `events`/`outputs` (default true). The lab turns
   * this off: it reads events from the control API, and a long run would pile them up here.
   */
  keepEvents?: boolean;
  /** Extra environment for the child (say, the proxy its grpc-js dials through). */
  env?: Record<string, string>;
  /** Called with the child process as soon as it is spawned, before it is ready (so a launcher can kill it on exit). */
  onSpawn?: (child: ChildProcessWithoutNullStreams) => void;
  /** The compiled CLI to run (default PEERLAB_CLI): a bench runs another build side by side. */
  cli?: string;
}

type ReadyEvent = Extract<PeerEvent, { type: 'ready' }>;

/** The compiled CLI that peer processes run. */
export const PEERLAB_CLI = join(packageRoot(), 'dist', 'bin', 'peerlab.js');

/** A peer process that has printed its ready line. */
export class StartedPeerProcess implements AsyncDisposable {
  readonly events: PeerEvent[] = [];
  /** Lines on stdout that were not JSON events (command results in interactive mode are JSON too). */
  readonly outputs: Record<string, unknown>[] = [];
  private readonly stderrTail: OutputTail;
  ready!: ReadyEvent;
  readonly exited: Promise<number | null>;
  private readonly listeners = new Set<() => void>();
  private controlClient: ControlClient | undefined;

  constructor(
    readonly spec: PeerProcessSpec,
    readonly child: ChildProcessWithoutNullStreams,
    readonly controlToken: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
    onLines(child.stdout, (line) => this.onLine(line));
    this.stderrTail = new OutputTail(child.stderr);
  }

  /** The tail of what the peer wrote to stderr (and stdout lines that were not JSON). */
  get stderr(): string {
    return this.stderrTail.text;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get id(): string {
    return this.ready.id;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The control API client of this peer (created on first use). */
  get control(): ControlClient {
    this.controlClient ??= new ControlClient(`127.0.0.1:${this.ready.controlPort}`, this.controlToken);
    return this.controlClient;
  }

  /** Types a command into the peer's stdin (interactive peers only). */
  command(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Waits for an event matching `match` (already seen ones count), with a deadline. */
  waitForEvent<T extends PeerEvent>(match: (event: PeerEvent) => event is T, timeoutMs: number, what: string): Promise<T>;
  waitForEvent(match: (event: PeerEvent) => boolean, timeoutMs: number, what: string): Promise<PeerEvent>;
  waitForEvent(match: (event: PeerEvent) => boolean, timeoutMs: number, what: string): Promise<PeerEvent> {
    return this.waitUntil(() => this.events.find(match), timeoutMs, what);
  }

  /** Waits for a JSON output line (a command result such as "sent" or "history"). */
  waitForOutput(match: (output: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    return this.waitUntil(() => this.outputs.find(match), timeoutMs, what);
  }

  /** Polls `find` on every line the peer prints until it returns something, or the deadline. */
  waitUntil<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = find();
        if (value !== undefined) {
          done();
          resolve(value);
        }
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`${this.spec.name} exited (${code}) while waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.spec.name}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        this.child.off('exit', onExit);
      };
      this.listeners.add(check);
      this.child.once('exit', onExit);
    });
  }

  /** SIGTERM, then wait for the exit code. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    this.controlClient?.close();
    if (!this.isRunning) return this.exited;
    return terminate(this.child, this.exited, timeoutMs);
  }

  /** SIGKILL: a crash, as far as the peer can tell. */
  async kill(): Promise<void> {
    this.controlClient?.close();
    if (this.isRunning) this.child.kill('SIGKILL');
    await this.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.stderrTail.add(`[stdout, not JSON] ${line}\n`);
      return;
    }
    const eventTypes = ['ready', 'peer_up', 'peer_down', 'session_up', 'session_down', 'message', 'delivered', 'name_conflict', 'error', 'group_message'];
    const keep = this.spec.keepEvents ?? true;
    if (typeof parsed.type === 'string' && eventTypes.includes(parsed.type)) {
      const event = parsed as unknown as PeerEvent;
      if (event.type === 'ready') this.ready = event;
      if (keep || event.type === 'ready') this.events.push(event);
    }
    if (keep) this.outputs.push(parsed);
    for (const listener of [...this.listeners]) listener();
  }
}

/** Starts `peerlab peer` for `spec` and resolves once it is ready. */
export async function startPeerProcess(spec: PeerProcessSpec): Promise<StartedPeerProcess> {
  const controlToken = randomBytes(24).toString('base64url');
  const args = [
    spec.cli ?? PEERLAB_CLI,
    'peer',
    '--name', spec.name,
    '--data', spec.dataDir,
    '--port', String(spec.grpcPort ?? 0),
    ...loopbackArgs(spec.network),
    ...labPeerArgs(spec.settings ?? {}, spec.connectOnDiscovery),
    '--json',
    ...(spec.interactive ? [] : ['--no-stdin']),
    ...(spec.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env, PEERLAB_CONTROL_TOKEN: controlToken, NO_COLOR: '1' },
  });
  spec.onSpawn?.(child);
  const peer = new StartedPeerProcess(spec, child, controlToken);
  try {
    await peer.waitForEvent((e) => e.type === 'ready', spec.startTimeoutMs ?? 20_000, 'the ready line');
  } catch (err) {
    await peer.kill();
    throw err;
  }
  return peer;
}
