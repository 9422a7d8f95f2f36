/** `Authorization: Bearer TOKEN` checks, in constant time (the control API, a vacant peer's claim endpoint). */
import { timingSafeEqual } from 'node:crypto';

/** True when `header` is `Bearer <expected>`. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  if (!match) return false;
  const presented = Buffer.from(match[1]!);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
