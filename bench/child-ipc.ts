/**
 * Commands from the bench to its child processes over Node's IPC channel:
 * the child serves a table of async handlers, the parent calls them by name
 * with a deadline. Every child the parent forks is killed when the parent
 * exits, however it exits, and a child exits when its parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** A child's command table: one async handler per command, one JSON argument each. */
export type CommandTable = Record<string, (args: any) => unknown>;

interface Request {
  id: number;
  cmd: string;
  args: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** Child side: answers the parent's commands until it disconnects, then exits. */
export function serveParent(commands: CommandTable, onExit: () => Promise<void>): void {
  if (!process.send) throw new Error('this script is a bench child: run it through the bench (it needs an IPC channel)');
  let exiting = false;
  const exit = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    // Bounded, so a peer that hangs while stopping cannot keep the process around.
    await Promise.race([onExit().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    // process.exit (not a signal) so --cpu-prof still writes its profile.
    process.exit(0);
  };
  process.on('disconnect', () => void exit());
  process.on('message', (message: Request) => {
    if (message.cmd === 'exit') {
      void exit();
      return;
    }
    const handler = commands[message.cmd];
    const reply = (r: Omit<Reply, 'id'>): void => {
      if (process.connected) process.send!({ id: message.id, ...r });
    };
    if (!handler) {
      reply({ ok: false, error: `unknown command "${message.cmd}"` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => reply({ ok: true, result }),
        (err: unknown) => reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs every child still running; safe in an 'exit' handler (synchronous). */
export function killAllChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

type Arg<F> = F extends (args: infer A) => unknown ? A : never;
type Result<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** Parent side: a forked bench child that answers the commands of `T`. */
export class BenchChild<T extends CommandTable> implements AsyncDisposable {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  private readonly exited: Promise<void>;
  private stderrTail = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      clearTimeout(waiter.timer);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`${this.name}: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      for (const waiter of this.waiting.values()) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`${this.name} exited (code ${code}, signal ${signal}); stderr: ${this.stderrTail.slice(-2000)}`));
      }
      this.waiting.clear();
    });
    // Children never write to our stdout: with --json it must hold exactly one line.
    const forward = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-8192);
      process.stderr.write(text.replace(/^(?=.)/gm, `[${name}] `));
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
  }

  /** Forks `script` (compiled JS) with `execArgv` node flags. */
  static fork<T extends CommandTable>(name: string, script: string, execArgv: string[] = []): BenchChild<T> {
    installExitHook();
    const child = fork(script, [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    running.add(child);
    return new BenchChild<T>(name, child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Runs command `cmd` in the child; rejects after `timeoutMs` or if the child dies. */
  call<K extends keyof T & string>(cmd: K, args: Arg<T[K]>, timeoutMs = 30_000): Promise<Result<T[K]>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: command "${cmd}" got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      if (!this.child.connected) {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new Error(`${this.name}: not connected (exited?); stderr: ${this.stderrTail.slice(-2000)}`));
        return;
      }
      this.child.send({ id, cmd, args } satisfies Request);
    });
  }

  /** Asks the child to stop its peers and exit; SIGKILL if it has not within `timeoutMs`. */
  async stop(timeoutMs = 8_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ id: 0, cmd: 'exit', args: null } satisfies Request);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
