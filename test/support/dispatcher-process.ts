/**
 * A real `peerlab dispatcher` process with the real process spawner, for end-to-end
 * tests: users written to a users file, multicast pinned to a loopback group of the
 * test's own, events read from its --json lines. Stopping the dispatcher leaves the
 * peers running (as in production); `cleanUp()` ends them through a spawner over the
 * same state dir and removes the folder.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { DispatcherEvent } from '../../dispatcher/events.js';
import { InstanceRecords, type ProcessRecord } from '../../dispatcher/spawners/process/instance-records.js';
import { ProcessSpawner } from '../../dispatcher/spawners/process/process-spawner.js';
import { SpawnerSecrets } from '../../dispatcher/spawners/secrets.js';
import { hashPassword } from '../../dispatcher/users/password.js';
import { writeUsersFile, type UserRecord } from '../../dispatcher/users/users-file.js';
import { PEERLAB_CLI, randomLoopbackNetwork } from '../../lab/runtimes/process/peer-process.js';
import { http } from './dispatcher-client.js';
import { waitFor } from './wait-for.js';

export interface ClaimedPeer {
  instanceId: string;
  peerId: string;
  pid: number;
}

export interface DispatcherSetup {
  dir: string;
  usersFile: string;
  stateDir: string;
  /** `peerlab peer` flags every peer gets: the test's own multicast group, quick discovery. */
  peerArgs: string[];
  /** The process spawner's records of its instances (read only: pid, user, peer id), as the state file has them now. */
  records(): Promise<ProcessRecord[]>;
  /** user → their claimed peer, from the records. */
  claimed(): Promise<Map<string, ClaimedPeer>>;
  /** The web token the proxy adds for an instance (derived from the spawner's key), to check it never reaches a browser. */
  webToken(instanceId: string): Promise<string>;
  /** Ends every peer, removes every file. */
  cleanUp(): Promise<void>;
}

/** A folder with a users file (password of each user: `pw-NAME`) and a state dir. */
export async function dispatcherSetup(users: Record<string, { admin?: boolean }>): Promise<DispatcherSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'peerlab-dispatcher-e2e-'));
  const records: Record<string, UserRecord> = {};
  // Real scrypt cost, as add-user writes it; in parallel, on libuv's threads.
  await Promise.all(
    Object.entries(users).map(async ([name, { admin = false }]) => {
      records[name] = { admin, password: await hashPassword(`pw-${name}`) };
    }),
  );
  const usersFile = join(dir, 'users.json');
  await writeUsersFile(usersFile, { version: 1, users: records });
  const network = randomLoopbackNetwork();
  const peerArgs = ['--multicast-group', network.group, '--multicast-port', String(network.port), '--announce-interval', '200', '--expire-after', '2000'];
  const stateDir = join(dir, 'state');
  const readRecords = () => new InstanceRecords(join(stateDir, 'process', 'instances.json')).read();
  return {
    dir,
    usersFile,
    stateDir,
    peerArgs,
    records: readRecords,
    async claimed() {
      const peers = new Map<string, ClaimedPeer>();
      for (const r of await readRecords()) if (r.state === 'claimed' && r.user) peers.set(r.user, { instanceId: r.instanceId, peerId: r.peerId!, pid: r.pid });
      return peers;
    },
    webToken: async (instanceId) => (await SpawnerSecrets.open(stateDir)).token('web', instanceId),
    async cleanUp() {
      const spawner = await ProcessSpawner.create({ stateDir, startTimeoutMs: 30_000, peerArgs });
      await spawner.close({ removeData: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export class DispatcherProcess implements AsyncDisposable {
  readonly events: DispatcherEvent[] = [];
  stderr = '';
  url = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as DispatcherEvent);
      } catch {
        this.stderr += `[stdout, not JSON] ${line}\n`;
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
  }

  /** Waits for an event (already seen ones count). */
  async waitForEvent<T extends DispatcherEvent['type']>(type: T, match: (e: Extract<DispatcherEvent, { type: T }>) => boolean, timeoutMs: number): Promise<Extract<DispatcherEvent, { type: T }>> {
    const find = () => this.events.find((e): e is Extract<DispatcherEvent, { type: T }> => e.type === type && match(e as Extract<DispatcherEvent, { type: T }>));
    await waitFor(() => find() !== undefined || this.child.exitCode !== null, timeoutMs, `dispatcher event ${type}`, () => ({ stderr: this.stderr.slice(-1000), events: this.events.slice(-10) }), 20);
    const found = find();
    if (!found) throw new Error(`the dispatcher exited (${this.child.exitCode}) before ${type}: ${this.stderr.slice(-2000)}`);
    return found;
  }

  /** SIGTERM; the peers keep running. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Starts `peerlab dispatcher --json` over `setup` and waits for its ready line. */
export async function startDispatcherProcess(setup: DispatcherSetup, flags: string[] = [], listen = '127.0.0.1:0'): Promise<DispatcherProcess> {
  const child = spawn(
    process.execPath,
    [PEERLAB_CLI, 'dispatcher', '--listen', listen, '--spawner', 'process', '--users', setup.usersFile, '--state', setup.stateDir, '--peer-args', setup.peerArgs.join(' '), '--json', ...flags],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  const dispatcher = new DispatcherProcess(child);
  try {
    dispatcher.url = (await dispatcher.waitForEvent('ready', () => true, 30_000)).url;
  } catch (err) {
    await dispatcher.stop();
    throw err;
  }
  return dispatcher;
}

/** Waits until the session's peer is ready, as the progress page learns it (GET /api/status). */
export async function untilReady(d: DispatcherProcess, cookie: string, who: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => JSON.parse((await http(d.url, 'GET', '/api/status', { cookie })).body).state === 'ready',
    timeoutMs,
    `${who}'s peer to be ready`,
    () => d.events.filter((e) => e.type === 'error').slice(-3),
    50,
  );
}
