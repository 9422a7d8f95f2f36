/**
 * `peerlab peer --vacant`: a real peer process that waits, with no identity, for one
 * claim; becomes the claimed user's peer (their data dir: same identity every time); and
 * refuses what is not a proper claim without leaving the vacant state.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ControlClient } from '../peer/control/control-client.js';
import { claimVacant, vacantState } from '../dispatcher/spawners/vacant-client.js';
import { PEERLAB_CLI, randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';
import { startCli, tempDir } from './support/lab-cli.js';
import { waitFor } from './support/wait-for.js';

const CLAIM_TOKEN = 'claim-token-of-this-test';
const CONTROL_TOKEN = 'control-token-of-this-test';

/** A vacant peer process on loopback; resolves with its claim URL once it listens. */
async function startVacant(extra: string[] = []) {
  const network = randomLoopbackNetwork();
  const child = spawn(process.execPath, [
    PEERLAB_CLI, 'peer', '--vacant', '127.0.0.1:0', '--host', '127.0.0.1', '--interface', '127.0.0.1',
    '--multicast-group', network.group, '--multicast-port', String(network.port), '--json', '--no-stdin', ...extra,
  ], { env: { ...process.env, PEERLAB_CLAIM_TOKEN: CLAIM_TOKEN } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => stdout.includes('"type":"vacant"') || child.exitCode !== null, 20_000, 'the vacant line');
  const port = (JSON.parse(stdout.split('\n')[0]!) as { claimPort: number }).claimPort;
  return {
    url: `http://127.0.0.1:${port}/`,
    exited,
    output: () => stdout,
    stderr: () => stderr,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const post = (url: string, body: unknown, token = CLAIM_TOKEN) =>
  fetch(new URL('/claim', url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('peerlab peer --vacant', () => {
  it('becomes the peer a claim names, with that data dir’s identity every time', async () => {
    await using dir = await tempDir('peerlab-vacant-');
    const dataDir = `${dir.path}/alice`;
    let firstId: string;
    {
      await using vacant = await startVacant();
      expect(await vacantState(vacant.url, CLAIM_TOKEN)).toBe('vacant');
      const ready = await claimVacant(vacant.url, CLAIM_TOKEN, { name: 'alice', dataDir, controlToken: CONTROL_TOKEN }, 20_000);
      expect(ready).toMatchObject({ type: 'ready', name: 'alice' });
      firstId = ready.id;
      const control = new ControlClient(`127.0.0.1:${ready.controlPort}`, CONTROL_TOKEN);
      expect(await control.whoami()).toMatchObject({ id: firstId, name: 'alice' });
      control.close();
      // One claim per process: the endpoint is gone.
      await expect(post(vacant.url, { name: 'bob', dataDir: `${dir.path}/bob` })).rejects.toThrow();
      expect(vacant.output()).toContain(`"type":"ready"`);
    }
    await using again = await startVacant();
    expect((await claimVacant(again.url, CLAIM_TOKEN, { name: 'alice', dataDir, controlToken: CONTROL_TOKEN }, 20_000)).id).toBe(firstId);
  });

  it('refuses a request without the token, a bad claim and an unknown setting, and stays vacant', async () => {
    await using dir = await tempDir('peerlab-vacant-');
    await using vacant = await startVacant();
    expect((await fetch(vacant.url)).status).toBe(401);
    expect((await post(vacant.url, { name: 'a', dataDir: dir.path }, 'wrong-token-wrong-token')).status).toBe(401);
    const cases: Array<[unknown, number, string]> = [
      [{ name: 'bad\u0007name', dataDir: dir.path }, 400, '--name'],
      [{ name: 'carol' }, 400, 'a claim must give dataDir'],
      [{ name: 'carol', dataDir: dir.path, multicastGroup: '239.1.1.1' }, 400, '"multicastGroup" cannot be claimed'],
      [{ name: 'carol', dataDir: dir.path, controlToken: 'short' }, 400, '--control-token: must be at least 16 characters'],
      [['carol'], 400, 'a claim is a JSON object'],
    ];
    for (const [body, status, said] of cases) {
      const res = await post(vacant.url, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { error: string }).error).toContain(said);
    }
    const notJson = await fetch(new URL('/claim', vacant.url), { method: 'POST', headers: { authorization: `Bearer ${CLAIM_TOKEN}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(notJson.status).toBe(415);
    expect(await vacantState(vacant.url, CLAIM_TOKEN)).toBe('vacant');
  });

  it('answers a claim it cannot start (the data dir in use) with 500 and exits 3', async () => {
    await using dir = await tempDir('peerlab-vacant-');
    await using first = await startVacant();
    await claimVacant(first.url, CLAIM_TOKEN, { name: 'dave', dataDir: dir.path, controlToken: CONTROL_TOKEN }, 20_000);
    await using second = await startVacant();
    await expect(claimVacant(second.url, CLAIM_TOKEN, { name: 'dave', dataDir: dir.path, controlToken: CONTROL_TOKEN }, 20_000)).rejects.toThrow(/in use/);
    expect(await second.exited).toBe(3);
  });

  it('needs a claim token of 16 characters or more', async () => {
    const result = await startCli(['peer', '--vacant', '127.0.0.1:0', '--no-stdin', '--no-multicast']).result;
    expect(result.code, result.stderr).toBe(64);
    expect(result.stderr).toContain('--claim-token: a vacant peer needs one of at least 16 characters');
  });
});
