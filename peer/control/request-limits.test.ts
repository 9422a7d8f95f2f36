import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { CONTROL_STRING_LIMITS, requestProblem } from './request-limits.js';

const PROTO = fileURLToPath(new URL('../../proto/peerlab/control/v1/control.proto', import.meta.url));

/** The string fields of each method's request, read from the .proto itself. */
function stringFieldsByMethod(): Record<string, string[]> {
  const definitions = loadSync(PROTO, { keepCase: true });
  const service = definitions['peerlab.control.v1.Control'] as Record<string, { originalName: string; requestType: { type: { field: { name: string; type: string }[] } } }>;
  const out: Record<string, string[]> = {};
  for (const method of Object.values(service)) {
    out[method.originalName] = method.requestType.type.field.filter((f) => f.type === 'TYPE_STRING').map((f) => f.name).sort();
  }
  return out;
}

describe('control request limits', () => {
  it('has a limit for every string field of every request in control.proto, and no other', () => {
    const expected = stringFieldsByMethod();
    const actual = Object.fromEntries(Object.entries(CONTROL_STRING_LIMITS).map(([method, fields]) => [method, Object.keys(fields).sort()]));
    expect(actual).toEqual(expected);
  });

  it('names the field, its size and the limit, quoting at most 100 characters', () => {
    const problem = requestProblem('send', { to: 'n'.repeat(100_000), text: 'hi' });
    expect(problem).toMatch(/^to is 100000 bytes, over the limit of \d+: "n{100}"… \(100000 bytes\)$/);
  });

  it('counts UTF-8 bytes and lets a value at its limit through', () => {
    expect(requestProblem('joinRoom', { room: 'r'.repeat(64) })).toBeUndefined();
    expect(requestProblem('joinRoom', { room: 'é'.repeat(33) })).toMatch(/^room is 66 bytes, over the limit of 64/);
    expect(requestProblem('say', { room: 'ops', text: 't'.repeat(16 * 1024 + 1) })).toMatch(/^text is 16385 bytes/);
  });
});
