/**
 * Commands run in a container's network namespace from the host (`nsenter -t PID -n`):
 * the image has no shell, iptables or tc, and the host's tools act on the namespace's
 * own netfilter tables and qdiscs. Needs root, as Docker itself does.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `command args` in the network namespace of `pid`; rejects with its stderr. */
export async function inNetns(pid: number, command: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    const { stdout } = await run('nsenter', ['-t', String(pid), '-n', command, ...args], { timeout: 15_000 });
    return stdout;
  }
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['-t', String(pid), '-n', command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} in netns of ${pid}: exit ${code}: ${stderr.trim()}`))));
    child.stdin.end(input);
  });
}

/** The interface that holds `address` in the namespace of `pid` (eth0, eth1, ...). */
export async function interfaceWith(pid: number, address: string): Promise<string> {
  const out = await inNetns(pid, 'ip', ['-o', '-4', 'addr', 'show']);
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\S+)\//.exec(line);
    if (m && m[2] === address) return m[1]!.replace(/@.*$/, '');
  }
  throw new Error(`no interface with ${address} in the network namespace of pid ${pid}: ${out.trim()}`);
}

let netem: Promise<boolean> | undefined;

/**
 * Whether this kernel has sch_netem: tries `tc qdisc add dev lo root netem` in a fresh,
 * empty network namespace (unshare -n), so nothing real is touched. Asked once.
 */
export function hasNetem(): Promise<boolean> {
  netem ??= run('unshare', ['-n', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  return netem;
}

/** Whether this process may enter other network namespaces (root). */
export function canEnterNetns(): boolean {
  return process.getuid?.() === 0;
}
