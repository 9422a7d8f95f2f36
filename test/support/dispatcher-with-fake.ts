/**
 * A real dispatcher (real HTTP server, real cookies, real proxy) over the fake
 * spawner, for the dispatcher's unit tests. Users are written with a cheap scrypt
 * cost so that tests log in quickly; the cost is stored with each hash, so the
 * dispatcher checks them exactly as it checks real ones.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DispatcherEvent } from '../../dispatcher/events.js';
import { DEFAULT_SESSION_TTL_MS, Dispatcher, type DispatcherOptions } from '../../dispatcher/server.js';
import { hashPassword } from '../../dispatcher/users/password.js';
import { writeUsersFile, type UserRecord } from '../../dispatcher/users/users-file.js';
import { FakeSpawner } from './fake-spawner.js';

export interface TestDispatcher extends AsyncDisposable {
  dispatcher: Dispatcher;
  url: string;
  spawner: FakeSpawner;
  events: DispatcherEvent[];
  dir: string;
  /** Stops this dispatcher and starts another over the same spawner, state and users (a restart). */
  restart(): Promise<void>;
}

/** Every user's password is `pw-NAME`. */
export async function startTestDispatcher(
  users: Record<string, { admin?: boolean }>,
  options: Partial<DispatcherOptions> = {},
  spawner = new FakeSpawner(),
): Promise<TestDispatcher> {
  const dir = await mkdtemp(join(tmpdir(), 'peerlab-dispatcher-'));
  const records: Record<string, UserRecord> = {};
  for (const [name, { admin = false }] of Object.entries(users)) {
    records[name] = { admin, password: await hashPassword(`pw-${name}`, { N: 1024, r: 8, p: 1 }) };
  }
  await writeUsersFile(join(dir, 'users.json'), { version: 1, users: records });
  const events: DispatcherEvent[] = [];
  const full: DispatcherOptions = {
    host: '127.0.0.1',
    port: 0,
    usersFile: join(dir, 'users.json'),
    stateDir: join(dir, 'state'),
    poolSize: 0,
    maxUsers: 50,
    idleTimeoutMs: 0,
    sessionTtlMs: DEFAULT_SESSION_TTL_MS,
    ...options,
  };
  const handle: TestDispatcher = {
    dispatcher: await Dispatcher.start(spawner, full, (e) => events.push(e)),
    url: '',
    spawner,
    events,
    dir,
    async restart() {
      await handle.dispatcher.stop();
      // Same port, so the browser-side origin (and cookies) stay the same.
      handle.dispatcher = await Dispatcher.start(spawner, { ...full, port: handle.dispatcher.port }, (e) => events.push(e));
    },
    async [Symbol.asyncDispose]() {
      await handle.dispatcher.stop();
      await spawner.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  handle.url = handle.dispatcher.url;
  return handle;
}
