import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from './password.js';
import { UsersStore, addUser, parseUsers, readUsersFile } from './users-file.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-users-'));
  file = join(dir, 'users.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('users file', () => {
  it('stores a scrypt hash with a per-user salt, mode 0600, and no temp files left', async () => {
    expect(await addUser(file, 'alice', 'correct horse', false)).toBe('added');
    expect(await addUser(file, 'bob', 'correct horse', true)).toBe('added');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['users.json']);
    const doc = await readUsersFile(file);
    expect(doc.users.alice!.admin).toBe(false);
    expect(doc.users.bob!.admin).toBe(true);
    // Same password, different salts and hashes; the password itself is nowhere in the file.
    expect(doc.users.alice!.password.salt).not.toBe(doc.users.bob!.password.salt);
    expect(doc.users.alice!.password.hash).not.toBe(doc.users.bob!.password.hash);
    expect(JSON.stringify(doc)).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', doc.users.alice!.password)).toBe(true);
    expect(await verifyPassword('correct horse!', doc.users.alice!.password)).toBe(false);
  });

  it('replaces a user’s password', async () => {
    await addUser(file, 'alice', 'one', false);
    expect(await addUser(file, 'alice', 'two', false)).toBe('updated');
    const { users } = await readUsersFile(file);
    expect(await verifyPassword('two', users.alice!.password)).toBe(true);
    expect(await verifyPassword('one', users.alice!.password)).toBe(false);
  });

  it('keeps every user when several add-user runs write at once', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `user-${i}`);
    await Promise.all(names.map((name) => addUser(file, name, 'pw', false)));
    expect(Object.keys((await readUsersFile(file)).users).sort()).toEqual(names);
  });

  it.each([
    ['Alice', /not allowed: 1–32 characters: lowercase/],
    ['-alice', /not allowed/],
    ['a/b', /not allowed/],
    ['..', /not allowed/],
    ['a'.repeat(33), /not allowed/],
    ['', /not allowed/],
  ])('refuses the user name %j', async (name, message) => {
    await expect(addUser(file, name, 'pw', false)).rejects.toThrow(message);
  });

  it('refuses an empty or oversized password, naming the limit', async () => {
    await expect(addUser(file, 'alice', '', false)).rejects.toThrow(/empty/);
    await expect(addUser(file, 'alice', 'x'.repeat(1025), false)).rejects.toThrow(/1025 bytes; at most 1024/);
  });

  it('names the file and the field of a broken file', () => {
    expect(() => parseUsers('{', 'u.json')).toThrow(/^u\.json: not JSON/);
    expect(() => parseUsers('{"version":2,"users":{}}', 'u.json')).toThrow('u.json: version: expected 1');
    expect(() => parseUsers('{"version":1,"users":{"alice":{"admin":"yes"}}}', 'u.json')).toThrow(/u\.json: users\.alice: expected/);
    expect(() => parseUsers('{"version":1,"users":{"alice":{"admin":false,"password":{"N":1000,"r":8,"p":1,"salt":"","hash":"x"}}}}', 'u.json')).toThrow(
      /users\.alice\.password: expected scrypt parameters N \(a power of two\)/,
    );
    expect(() => parseUsers('{"version":1,"users":{"Bad Name":{}}}', 'u.json')).toThrow(/user name "Bad Name" is not allowed/);
  });

  it('is re-read by a running dispatcher when it changes; a broken write keeps the last good copy', async () => {
    await addUser(file, 'alice', 'pw', false);
    const store = await new UsersStore(file).load();
    expect(await store.names()).toEqual(['alice']);
    await addUser(file, 'bob', 'pw', false);
    expect(await store.names()).toEqual(['alice', 'bob']);
    await writeFile(file, '{ broken');
    expect(await store.names()).toEqual(['alice', 'bob']);
    expect(await store.lookup('__proto__')).toBeUndefined();
  });

  it('will not start on a broken file', async () => {
    await writeFile(file, '[]');
    await expect(new UsersStore(file).load()).rejects.toThrow(/version: expected 1/);
  });
});
