/** Reading a child process's output: stdout line by line, a bounded tail of stderr. */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Calls `onLine` with every complete line the stream emits (without its newline). */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      onLine(line);
    }
  });
}

/** The last ~32–64 KB of what a stream said, for error messages. */
export class OutputTail {
  text = '';

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.add(chunk));
  }

  add(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 64 * 1024) this.text = this.text.slice(-32 * 1024);
  }
}

/** The loopback multicast flags every lab peer (or host of peers) runs with: nothing leaves this machine. */
export function loopbackArgs(network: { group: string; port: number }): string[] {
  return ['--host', '127.0.0.1', '--interface', '127.0.0.1', '--multicast-group', network.group, '--multicast-port', String(network.port)];
}

/** SIGTERM, then SIGKILL if `child` has not exited within `timeoutMs`; resolves as `exited` does. */
export async function terminate<T>(child: ChildProcess, exited: Promise<T>, timeoutMs: number): Promise<T> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
