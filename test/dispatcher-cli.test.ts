/**
 * The `peerlab dispatcher` command itself: `add-user` with the password on stdin, a
 * bad flag exits 64 naming it, and a dispatcher that serves says where in its first
 * `--json` line and answers /healthz there.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../dispatcher/users/password.js';
import { readUsersFile } from '../dispatcher/users/users-file.js';
import { http } from './support/dispatcher-client.js';
import { startCli, tempDir, type CliResult } from './support/lab-cli.js';

/** `peerlab dispatcher ...args` with `stdin` written and closed. */
function dispatcher(args: string[], stdin = ''): Promise<CliResult> {
  const run = startCli(['dispatcher', ...args]);
  run.child.stdin.end(stdin);
  const deadline = setTimeout(() => run.child.kill('SIGKILL'), 50_000);
  return run.result.finally(() => clearTimeout(deadline));
}

describe('peerlab dispatcher add-user', () => {
  it('stores a scrypt hash of the password read from stdin, in a 0600 file, and marks admins', async () => {
    await using dir = await tempDir('peerlab-add-user-');
    const users = join(dir.path, 'users.json');
    const added = await dispatcher(['add-user', 'alice', '--users', users], 'correct horse\n');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('alice');
    const admin = await dispatcher(['add-user', 'root', '--users', users, '--admin'], 'root pw\n');
    expect(admin.code, admin.stderr).toBe(0);

    expect((await stat(users)).mode & 0o777).toBe(0o600);
    const doc = await readUsersFile(users);
    expect(JSON.stringify(doc)).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', doc.users.alice!.password)).toBe(true);
    expect(await verifyPassword('wrong', doc.users.alice!.password)).toBe(false);
    expect(doc.users.alice!.admin).toBe(false);
    expect(doc.users.root!.admin).toBe(true);
  });

  it('refuses a name that is not a user name with exit 64', async () => {
    await using dir = await tempDir('peerlab-add-user-');
    const result = await dispatcher(['add-user', '../Evil', '--users', join(dir.path, 'users.json')], 'pw\n');
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('../Evil');
  });
});

describe('peerlab dispatcher: flags', () => {
  const CASES: Array<[string, string[], string]> = [
    ['an unknown spawner', ['--spawner', 'kubernetes'], 'kubernetes'],
    ['a negative pool', ['--pool', '-1'], '--pool'],
    ['a duration that is not one', ['--idle-timeout', 'soon'], '--idle-timeout'],
    ['no --max-users room', ['--max-users', '0'], '--max-users'],
    ['a listen address without a port', ['--listen', 'localhost'], '--listen'],
    ['no users file', [], '--users'],
  ];
  it.each(CASES)('%s exits 64 naming the flag', async (_what, args, expected) => {
    await using dir = await tempDir('peerlab-dispatcher-flags-');
    const users = args.length === 0 ? [] : ['--users', join(dir.path, 'users.json')];
    const result = await dispatcher(['--listen', '127.0.0.1:0', '--state', join(dir.path, 'state'), ...users, ...args]);
    expect(result.code, result.stderr).toBe(64);
    expect(result.stderr).toContain(expected);
  });

  it('--json: the first line is the ready event with the URL it serves on; /healthz answers there', async () => {
    await using dir = await tempDir('peerlab-dispatcher-ready-');
    const users = join(dir.path, 'users.json');
    await dispatcher(['add-user', 'alice', '--users', users], 'pw\n');
    const run = startCli(['dispatcher', '--listen', '127.0.0.1:0', '--state', join(dir.path, 'state'), '--users', users, '--json']);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        run.child.stdout.on('data', () => {
          const text = run.output();
          if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
        });
        run.child.once('exit', (code) => reject(new Error(`exited ${code} before a line`)));
      });
      const ready = JSON.parse(line) as { type: string; url: string; users: number };
      expect(ready).toMatchObject({ type: 'ready', users: 1 });
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const health = await http(ready.url, 'GET', '/healthz');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    } finally {
      run.child.kill('SIGTERM');
      expect((await run.result).code).toBe(0);
    }
  });
});
