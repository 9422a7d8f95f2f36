/**
 * The NFQUEUE delayer (docker/nfq-delay.c): netem's `delay D J` for kernels without
 * sch_netem. Compiled on the host with gcc on first use (cached by source hash), started
 * inside a container's network namespace, where an iptables rule queues the packets it
 * holds. `--queue-bypass` on that rule lets traffic flow unshaped if it ever dies.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../errors.js';
import { REPO_ROOT } from './repo-root.js';

const run = promisify(execFile);
/** The queue number inside each namespace (queues are per network namespace). */
export const DELAY_QUEUE = 7;

let binary: Promise<string> | undefined;

/** The compiled delayer's path (compiling it when the source changed). */
export function delayerBinary(): Promise<string> {
  binary ??= (async () => {
    const source = join(REPO_ROOT, 'docker', 'nfq-delay.c');
    const hash = createHash('sha256').update(await readFile(source)).digest('hex').slice(0, 12);
    const target = join(tmpdir(), `peerlab-nfq-delay-${hash}`);
    if (existsSync(target)) return target;
    const partial = `${target}.${process.pid}`;
    try {
      await run('gcc', ['-O2', '-Wall', '-o', partial, source, '-lnetfilter_queue', '-lnfnetlink'], { timeout: 60_000 });
    } catch (err) {
      throw new LabError(`cannot compile the NFQUEUE delayer (needs gcc and libnetfilter-queue-dev: bash scripts/ensure-docker.sh): ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
    }
    await rename(partial, target);
    return target;
  })();
  binary.catch(() => (binary = undefined));
  return binary;
}

/** A delayer running in one namespace. */
export class Delayer {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts it in the namespace of `nsPid`; resolves once it has bound its queue. */
  static async start(nsPid: number, delayMs: number, jitterMs: number, seed: number): Promise<Delayer> {
    const bin = await delayerBinary();
    const child = spawn('nsenter', ['-t', String(nsPid), '-n', bin, String(DELAY_QUEUE), String(delayMs), String(jitterMs), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('no "ready" within 10000 ms')), 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new LabError(`the delayer in the namespace of pid ${nsPid} did not start: ${err.message} ${stderr.trim()}`));
      };
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.removeAllListeners('error');
          resolve();
        }
      });
    });
    return new Delayer(child);
  }

  /** SIGTERM (it releases what it holds), SIGKILL after 2 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }

  /** For exit handlers. */
  killNow(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
