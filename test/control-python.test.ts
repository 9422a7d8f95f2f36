/**
 * The control API from a second gRPC implementation: a Python client that
 * knows only control.proto drives alice, and bob's side is checked through
 * the TypeScript client. Needs Debian's python3-grpcio and python3-grpc-tools
 * under /usr/bin/python3; without them this test fails, it is never skipped.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { waitFor } from './support/wait-for.js';

/** The Debian python that sees python3-grpcio; a pyenv python3 may come first on PATH. */
const PYTHON = '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('./python/control_client.py', import.meta.url));
const WAIT_MS = 20_000;
/** How long the Python client waits for each call and for delivery, seconds. */
const CLIENT_TIMEOUT_S = 20;

interface PythonRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs /usr/bin/python3 with `args`; kills it (SIGKILL) if it outlives `timeoutMs`. */
function runPython(args: string[], timeoutMs: number): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Fails, with what to install, unless /usr/bin/python3 can import grpc and grpc_tools. */
async function requirePythonGrpc(): Promise<void> {
  const hint = 'install python3-grpcio python3-grpc-tools (apt-get install -y python3-grpcio python3-grpc-tools)';
  const where = process.env.CI === 'true' ? 'CI must provide them' : 'these tests need them';
  let run: PythonRun;
  try {
    run = await runPython(['-c', 'import grpc, grpc_tools.protoc'], 30_000);
  } catch (err) {
    throw new Error(`cannot run ${PYTHON} (${(err as Error).message}): ${hint}; ${where}`);
  }
  if (run.code !== 0) throw new Error(`${PYTHON} cannot import grpc / grpc_tools (${run.stderr.trim()}): ${hint}; ${where}`);
}

/** What control_client.py prints: snake_case fields, as the proto names them. */
interface ClientResult {
  whoami: { id: string; name: string; fingerprint: string; control_port: number; grpc_port: number; version: string };
  peers: { id: string; name: string; grpc_port: number; source: string }[];
  sent: { message_id: string; to_id: string; text: string };
  delivered: { message_id: string; to_id: string; to_name: string; at_ms: number };
  events_seen: string[];
  history: { message_id: string; direction: string; peer_id: string; peer_name: string; text: string; delivered: boolean }[];
  stats: { counters: Record<string, number>; rss_bytes: number; sessions_open: number; peers_known: number; outbox_pending: number };
}

describe('a Python client of the control API', () => {
  let fleet: PeerFleet;
  let alice: StartedPeerProcess;
  let bob: StartedPeerProcess;

  beforeAll(async () => {
    fleet = await createPeers(['alice', 'bob']);
    [alice, bob] = fleet.peers as [StartedPeerProcess, StartedPeerProcess];
    await fleet.waitForMesh(WAIT_MS);
  });

  afterAll(async () => {
    await fleet?.[Symbol.asyncDispose]();
  });

  const target = () => `127.0.0.1:${alice.ready.controlPort}`;
  // "--flag=value": a random token may start with "-", which argparse would take for a flag.
  const clientArgs = (token: string, peer: string, text: string) => [
    CLIENT,
    `--target=${target()}`,
    `--token=${token}`,
    `--peer=${peer}`,
    `--text=${text}`,
    `--timeout=${CLIENT_TIMEOUT_S}`,
  ];

  // Its own test, so a missing package shows as a failure that says what to install, not as skipped tests.
  it(`runs on ${PYTHON}, which can import grpc and grpc_tools`, async () => {
    await requirePythonGrpc();
  });

  it('calls every RPC and sees its message delivered; bob really got the text', async () => {
    const text = `hello bob, from Python: ünïcödé ✓ ${process.pid}`;
    const run = await runPython(clientArgs(alice.controlToken, 'bob', text), (CLIENT_TIMEOUT_S * 3 + 10) * 1000);
    expect(run.code, `control_client.py failed: ${run.stderr}`).toBe(0);
    const result = JSON.parse(run.stdout) as ClientResult;

    expect(result.whoami).toMatchObject({
      id: alice.id,
      name: 'alice',
      fingerprint: alice.ready.fingerprint,
      control_port: alice.ready.controlPort,
      grpc_port: alice.ready.grpcPort,
    });
    expect(result.peers.find((p) => p.id === bob.id)).toMatchObject({ name: 'bob', grpc_port: bob.ready.grpcPort, source: 'multicast' });

    expect(result.sent).toMatchObject({ to_id: bob.id, text });
    expect(result.sent.message_id).not.toBe('');
    expect(result.delivered).toMatchObject({ message_id: result.sent.message_id, to_id: bob.id, to_name: 'bob' });
    expect(result.events_seen.at(-1)).toBe('delivered');

    expect(result.history.find((e) => e.message_id === result.sent.message_id)).toMatchObject({
      direction: 'out',
      peer_id: bob.id,
      peer_name: 'bob',
      text,
      delivered: true,
    });
    expect(result.stats.counters['direct.sent']).toBeGreaterThanOrEqual(1);
    expect(result.stats.counters['direct.delivered']).toBeGreaterThanOrEqual(1);
    expect(result.stats.rss_bytes).toBeGreaterThan(0);
    expect(result.stats.sessions_open).toBeGreaterThanOrEqual(1);
    expect(result.stats.outbox_pending).toBe(0);

    // Bob's side, through the TypeScript client and bob's own event output.
    const received = (await bob.control.history('alice')).find((e) => e.messageId === result.sent.message_id);
    expect(received).toMatchObject({ direction: 'in', peerId: alice.id, peerName: 'alice', text });
    const event = await bob.waitForEvent((e) => e.type === 'message' && e.messageId === result.sent.message_id, WAIT_MS, "the Python client's message");
    expect(event).toMatchObject({ fromId: alice.id, fromName: 'alice', text });
  });

  it('exits non-zero and says UNAUTHENTICATED with a wrong token, printing no result', async () => {
    const before = (await alice.control.stats()).counters['direct.sent'] ?? 0;
    const run = await runPython(clientArgs(`${alice.controlToken}-wrong`, 'bob', 'must not be sent'), (CLIENT_TIMEOUT_S + 10) * 1000);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^control_client: Whoami failed: UNAUTHENTICATED: .*control token/);
    expect((await alice.control.stats()).counters['direct.sent'] ?? 0).toBe(before);
  });

  it('exits non-zero and names the peer when sending to an unknown one', async () => {
    const run = await runPython(clientArgs(alice.controlToken, 'carol-is-not-here', 'hi'), (CLIENT_TIMEOUT_S + 10) * 1000);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^control_client: Send failed: INVALID_ARGUMENT: .*carol-is-not-here/);
  });
});
