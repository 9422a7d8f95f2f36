/**
 * User names: they appear in URLs (`/u/NAME/`), in container and service names and
 * labels, and in data-dir names, so they are DNS-label-like: lowercase letters, digits
 * and inner hyphens, 1–32 characters. Nothing to escape anywhere, no `..`, no `/`.
 */
const USER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export const USER_NAME_RULE = '1–32 characters: lowercase letters, digits and hyphens, not starting or ending with a hyphen';

export function isUserName(name: string): boolean {
  return USER_NAME.test(name);
}

/** Says why `name` is not a user name, or undefined when it is one. */
export function userNameProblem(name: string): string | undefined {
  if (isUserName(name)) return undefined;
  const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
  return `user name ${shown} is not allowed: ${USER_NAME_RULE}`;
}
