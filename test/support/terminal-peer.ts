/**
 * A peer run as a person runs it: human output (not --json) on a pipe, commands
 * typed on stdin, and the screen read back as text, so a test asserts exactly
 * what the person would see.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { PEERLAB_CLI } from '../../lab/runtimes/process/peer-process.js';
import type { PeerFleet } from './peers.js';
import { waitFor } from './wait-for.js';

export interface TerminalPeer extends AsyncDisposable {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything printed on stdout so far. */
  readonly screen: string;
  /** Lines printed so far. */
  lines(): string[];
  /** Types a command line. */
  type(line: string): void;
  /** Waits until the screen shows `text` (a string or a pattern). */
  waitForScreen(text: string | RegExp, timeoutMs: number, what?: string): Promise<void>;
  /** Quits with /quit and waits for the process to exit. */
  quit(): Promise<void>;
}

/** Starts `name` in human mode on the fleet's loopback network, data dir `fleet.dir/name`, no control API; `extraArgs` follow. */
export function startTerminalPeer(fleet: PeerFleet, name: string, extraArgs: string[] = []): TerminalPeer {
  const child = spawn(
    process.execPath,
    [PEERLAB_CLI, 'peer', '--name', name, '--data', join(fleet.dir, name), '--host', '127.0.0.1', '--interface', '127.0.0.1',
      '--multicast-group', fleet.network.group, '--multicast-port', String(fleet.network.port), '--announce-interval', '200',
      '--expire-after', '1500', '--no-control', ...extraArgs],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const quit = async () => {
    if (child.exitCode === null && child.signalCode === null) child.stdin.end('/quit\n');
    await exited;
  };
  return {
    child,
    get screen() {
      return screen;
    },
    lines: () => screen.split('\n'),
    type: (line) => child.stdin.write(`${line}\n`),
    waitForScreen: (text, timeoutMs, what = `the screen to show ${String(text)}`) =>
      waitFor(() => (typeof text === 'string' ? screen.includes(text) : text.test(screen)), timeoutMs, what, () => screen),
    quit,
    [Symbol.asyncDispose]: quit,
  };
}
