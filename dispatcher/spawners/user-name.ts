/**
 * What a user name may be. It names a directory of the state dir, a container and a swarm
 * label, and the peer's display name, so it is kept to what all of them accept.
 */
import { SpawnerError } from './errors.js';

/** Letters, digits, `.`, `_`, `-`; starting with a letter or digit; at most 64 characters. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Returns `user`, or throws naming it and the rule. */
export function checkUserName(user: string): string {
  if (!USER_NAME.test(user) || user.includes('..')) {
    throw new SpawnerError(`user name ${JSON.stringify(user)} is not allowed: 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return user;
}
