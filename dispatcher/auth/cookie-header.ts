/**
 * Reading and filtering the `Cookie` request header. Lenient on other cookies
 * (they are not ours), strict on ours: two session cookies in one request
 * (cookie tossing from a sibling host) count as malformed.
 */

/** A `Cookie` header longer than this is not read at all (browsers send at most about 8 KiB). */
export const MAX_COOKIE_HEADER_CHARS = 16 * 1024;

export type CookieLookup = { kind: 'none' } | { kind: 'one'; value: string } | { kind: 'malformed' };

/** Finds the cookie `name` in the request's Cookie header(s). */
export function findCookie(header: string | string[] | undefined, name: string): CookieLookup {
  if (header === undefined) return { kind: 'none' };
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (text.length > MAX_COOKIE_HEADER_CHARS) return text.includes(`${name}=`) ? { kind: 'malformed' } : { kind: 'none' };
  const values: string[] = [];
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim());
  }
  if (values.length === 0) return { kind: 'none' };
  if (values.length > 1) return { kind: 'malformed' };
  return { kind: 'one', value: values[0]! };
}

/** The Cookie header without the cookies in `names` (undefined when none remain). */
export function withoutCookies(header: string | string[] | undefined, names: readonly string[]): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join('; ') : header;
  const kept = text
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !names.includes(pair.slice(0, pair.indexOf('=') < 0 ? pair.length : pair.indexOf('=')).trim()));
  return kept.length > 0 ? kept.join('; ') : undefined;
}
