/**
 * The `process` spawner: each peer is a `peerlab peer` child process on loopback, its
 * data in `STATE/users/NAME`. Every peer starts vacant (`--vacant 127.0.0.1:0`) and is
 * then claimed, so a pool and a direct start run the same code and differ only in when
 * the process was started. Children are detached, with their output in
 * `STATE/process/ID/peer.log`: they outlive the dispatcher, and a spawner made again over
 * the same state dir finds them in `STATE/process/instances.json` (each pid checked, with
 * its start time, before it is believed).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PEERLAB_VERSION } from '../../../peer/peer.js';
import { PEERLAB_CLI } from '../../../lab/runtimes/process/peer-process.js';
import { remaining } from '../deadline.js';
import { SpawnerError } from '../errors.js';
import { StartsInFlight } from '../starts-in-flight.js';
import { PEER_HAS_WEB, webArgs, webTokenSetting } from '../peer-web.js';
import { waitUntilReady } from '../readiness.js';
import { newInstanceId, SpawnerSecrets } from '../secrets.js';
import { SingleFlight } from '../single-flight.js';
import type { PeerInstance, SpawnerOptions } from '../spawner.js';
import { publicState, type CloseOptions, type ControlEndpoint, type InspectableSpawner } from '../spawner-extras.js';
import { checkUserName } from '../user-name.js';
import { claimVacant } from '../vacant-client.js';
import { InstanceRecords, type ProcessRecord } from './instance-records.js';
import { endProcess, processesIn, processRunning, startTimeOf } from './pids.js';

export interface ProcessSpawnerOptions extends SpawnerOptions {
  /** `peerlab peer` flags every peer gets after the spawner's own (a multicast group, settings). */
  peerArgs?: string[];
  /** The peerlab CLI to run; this checkout's dist/bin/peerlab.js by default. */
  cli?: string;
}

const LOOPBACK = '127.0.0.1';
/** Secrets of the dispatcher's own environment that a peer must not inherit. */
const WITHHELD_ENV = ['PEERLAB_CONTROL_TOKEN', 'PEERLAB_WEB_TOKEN', 'PEERLAB_CLAIM_TOKEN'];

export class ProcessSpawner implements InspectableSpawner {
  readonly kind = 'process' as const;
  private readonly records: InstanceRecords;
  private readonly starts = new SingleFlight<PeerInstance>();
  /** Instances with a claim under way in this object: one claim per instance. */
  private readonly claiming = new Set<string>();
  private readonly inFlight = new StartsInFlight();
  private readonly cli: string;
  private readonly generation: string;

  private constructor(
    readonly options: ProcessSpawnerOptions,
    private readonly secrets: SpawnerSecrets,
  ) {
    this.records = new InstanceRecords(join(options.stateDir, 'process', 'instances.json'));
    this.cli = options.cli ?? PEERLAB_CLI;
    this.generation = generationOf(this.cli, this.peerArgs);
  }

  /** A spawner over `stateDir`; instances a previous one left half-started are ended (their claims never finished). */
  static async create(options: ProcessSpawnerOptions): Promise<ProcessSpawner> {
    const spawner = new ProcessSpawner(options, await SpawnerSecrets.open(options.stateDir));
    const unfinished = (await spawner.records.read()).filter((r) => r.state === 'starting' || r.state === 'claiming');
    await Promise.all(unfinished.map((r) => spawner.discard(r)));
    return spawner;
  }

  async startVacant(): Promise<PeerInstance> {
    return this.inFlight.run(async () => this.view(await this.spawnVacant(Date.now() + this.options.startTimeoutMs)));
  }

  async claim(instanceId: string, user: string): Promise<PeerInstance> {
    checkUserName(user);
    // A user who has a peer (or is getting one) keeps it; this instance then stays vacant.
    return this.inFlight.run(() =>
      this.starts.run(user, async () => (await this.liveInstanceOf(user)) ?? this.claimRecord(instanceId, user, Date.now() + this.options.startTimeoutMs)),
    );
  }

  startFor(user: string, onProgress?: (step: string) => void): Promise<PeerInstance> {
    checkUserName(user);
    return this.inFlight.run(() =>
      this.starts.run(user, async () => {
        const existing = await this.liveInstanceOf(user);
        if (existing) return existing;
        const deadline = Date.now() + this.options.startTimeoutMs;
        onProgress?.('starting a peer process');
        const record = await this.spawnVacant(deadline);
        return this.claimRecord(record.instanceId, user, deadline, onProgress);
      }),
    );
  }

  async stop(user: string): Promise<void> {
    checkUserName(user);
    await this.starts.settled(user);
    const mine = (await this.records.read()).filter((r) => r.user === user);
    await Promise.all(mine.map((r) => this.discard(r)));
  }

  async list(): Promise<PeerInstance[]> {
    const views: PeerInstance[] = [];
    for (const record of await this.records.read()) {
      const busy = record.state === 'starting' || record.state === 'claiming';
      const gone = !processRunning(record.pid, record.pidStartTime);
      const stale = record.state === 'vacant' && record.generation !== this.generation;
      // Nobody's and out of date, or dead: gone from the list and from the disk. A start in flight is left to finish.
      if ((gone && !busy) || stale) await this.discard(record);
      else views.push(this.view(record));
    }
    return views;
  }

  async controlOf(instanceId: string): Promise<ControlEndpoint> {
    const record = (await this.records.read()).find((r) => r.instanceId === instanceId);
    if (!record?.controlPort) throw new SpawnerError(`instance ${instanceId} has no control API (${record ? record.state : 'no such instance'})`);
    return { target: `${LOOPBACK}:${record.controlPort}`, token: this.secrets.token('control', instanceId) };
  }

  async close(options: CloseOptions = {}): Promise<void> {
    await this.inFlight.close();
    await Promise.all((await this.records.read()).map((r) => this.discard(r)));
    // A peer whose record was never written (its dispatcher stopped between the spawn and
    // the record) still runs in an instance dir of this state dir: it is ended too.
    await Promise.all(processesIn(join(this.options.stateDir, 'process')).map((pid) => endProcess(pid, startTimeOf(pid))));
    if (options.removeData) await rm(join(this.options.stateDir, 'users'), { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private get peerArgs(): string[] {
    return this.options.peerArgs ?? [];
  }

  private userDir(user: string): string {
    return join(this.options.stateDir, 'users', user);
  }

  private instanceDir(instanceId: string): string {
    return join(this.options.stateDir, 'process', instanceId);
  }

  /** The user's running, claimed peer; records of ones that died are removed on the way. */
  private async liveInstanceOf(user: string): Promise<PeerInstance | undefined> {
    for (const record of (await this.records.read()).filter((r) => r.user === user && r.state === 'claimed')) {
      if (processRunning(record.pid, record.pidStartTime)) return this.view(record);
      await this.discard(record);
    }
    return undefined;
  }

  /** Starts `peerlab peer --vacant` and waits for it to listen for its claim. */
  private async spawnVacant(deadline: number): Promise<ProcessRecord> {
    const instanceId = newInstanceId('p');
    const dir = this.instanceDir(instanceId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const logPath = join(dir, 'peer.log');
    const log = await open(logPath, 'a', 0o600);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PEERLAB_CLAIM_TOKEN: this.secrets.token('claim', instanceId) };
    for (const name of WITHHELD_ENV.filter((n) => n !== 'PEERLAB_CLAIM_TOKEN')) delete env[name];
    const args = [
      this.cli, 'peer',
      '--vacant', `${LOOPBACK}:0`,
      '--host', LOOPBACK,
      '--interface', LOOPBACK,
      '--control-host', LOOPBACK,
      '--control-port', '0',
      ...webArgs(`${LOOPBACK}:0`),
      '--json',
      '--no-stdin',
      ...this.peerArgs,
    ];
    let child;
    try {
      // Detached, its output in a file: the peer outlives the dispatcher that started it. Its
      // working dir is its instance dir, so what runs for this state dir can be told from /proc.
      child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env, cwd: dir });
    } finally {
      await log.close();
    }
    child.unref();
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`exited (${signal ?? code})`)));
    const record: ProcessRecord = {
      instanceId,
      pid: child.pid ?? -1,
      pidStartTime: child.pid ? startTimeOf(child.pid) : undefined,
      state: 'starting',
      startedAtMs: Date.now(),
      generation: this.generation,
    };
    await this.records.update((records) => void records.push(record));
    try {
      if (child.pid === undefined) throw new SpawnerError(`could not start ${process.execPath} ${this.cli}`);
      record.claimPort = await waitForVacantLine(logPath, exited, deadline, instanceId);
      record.state = 'vacant';
      await this.save(record);
      return record;
    } catch (err) {
      await this.discard(record);
      throw err;
    }
  }

  /** Claims the vacant instance for `user`: its data dir, its tokens; waits until it is ready. A failed claim ends the instance. */
  private async claimRecord(instanceId: string, user: string, deadline: number, onProgress?: (step: string) => void): Promise<PeerInstance> {
    if (this.claiming.has(instanceId)) throw new SpawnerError(`instance ${instanceId} is being claimed already`);
    this.claiming.add(instanceId);
    try {
      const record = (await this.records.read()).find((r) => r.instanceId === instanceId);
      if (!record) throw new SpawnerError(`no instance ${instanceId}`);
      if (record.state !== 'vacant') throw new SpawnerError(`instance ${instanceId} is not vacant: ${record.state}${record.user ? ` by ${JSON.stringify(record.user)}` : ''}`);
      if (!processRunning(record.pid, record.pidStartTime)) {
        await this.discard(record);
        throw new SpawnerError(`vacant instance ${instanceId} is no longer running`);
      }
      // Recorded before the claim is sent: a spawner restarted meanwhile ends it rather than hand it to anyone.
      Object.assign(record, { state: 'claiming', user });
      await this.save(record);
      try {
        onProgress?.('starting your peer with your identity and history');
        const ready = await claimVacant(`http://${LOOPBACK}:${record.claimPort}/`, this.secrets.token('claim', instanceId), {
          name: user,
          dataDir: this.userDir(user),
          controlToken: this.secrets.token('control', instanceId),
          ...webTokenSetting(this.secrets.token('web', instanceId)),
        }, remaining(deadline, instanceId));
        Object.assign(record, { peerId: ready.id, controlPort: ready.controlPort, webPort: ready.webPort });
        onProgress?.(PEER_HAS_WEB ? 'waiting for your peer’s web page' : 'waiting for your peer to answer');
        const view = this.view(record);
        await waitUntilReady(
          { control: `${LOOPBACK}:${ready.controlPort}`, controlToken: this.secrets.token('control', instanceId), id: ready.id, ...(view.webUrl ? { webUrl: view.webUrl, webToken: view.webToken } : {}) },
          remaining(deadline, instanceId),
        );
        record.state = 'claimed';
        await this.save(record);
        onProgress?.('ready');
        return this.view(record);
      } catch (err) {
        await this.discard(record);
        throw err;
      }
    } finally {
      this.claiming.delete(instanceId);
    }
  }

  private async save(record: ProcessRecord): Promise<void> {
    await this.records.update((records) => {
      const at = records.findIndex((r) => r.instanceId === record.instanceId);
      if (at >= 0) records[at] = { ...record };
      else records.push({ ...record });
    });
  }

  /** Ends the process (SIGTERM: the peer closes its logs), forgets the record, removes its log dir. */
  private async discard(record: ProcessRecord): Promise<void> {
    await endProcess(record.pid, record.pidStartTime);
    await this.records.update((records) => {
      const at = records.findIndex((r) => r.instanceId === record.instanceId);
      if (at >= 0) records.splice(at, 1);
    });
    await rm(this.instanceDir(record.instanceId), { recursive: true, force: true });
  }

  private view(record: ProcessRecord): PeerInstance {
    return {
      instanceId: record.instanceId,
      user: record.user,
      state: publicState(record.state),
      webUrl: record.webPort ? `http://${LOOPBACK}:${record.webPort}/` : '',
      webToken: this.secrets.token('web', record.instanceId),
      startedAtMs: record.startedAtMs,
    };
  }
}

/** The CLI build and the flags: a vacant peer of another generation is replaced, not claimed. */
function generationOf(cli: string, peerArgs: string[]): string {
  let built = '';
  try {
    built = String(statSync(cli).mtimeMs);
  } catch { /* not built: the start will say so */ }
  return createHash('sha256').update(JSON.stringify([PEERLAB_VERSION, cli, built, peerArgs])).digest('hex').slice(0, 12);
}


/** Reads the peer's log until its `vacant` line gives the claim port; fails when it exits or the deadline passes. */
async function waitForVacantLine(logPath: string, exited: Promise<string>, deadline: number, instanceId: string): Promise<number> {
  let exit: string | undefined;
  void exited.then((why) => (exit = why));
  for (;;) {
    const text = await readFile(logPath, 'utf8');
    for (const line of text.split('\n')) {
      if (!line.startsWith('{"type":"vacant"')) continue;
      const port = (JSON.parse(line) as { claimPort?: number }).claimPort;
      if (typeof port === 'number') return port;
    }
    if (exit !== undefined) throw new SpawnerError(`vacant peer ${instanceId} ${exit} before it listened: ${text.slice(-2000).trim()}`);
    if (Date.now() >= deadline) throw new SpawnerError(`vacant peer ${instanceId} did not listen for its claim within the start timeout`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}
