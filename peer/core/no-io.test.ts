/**
 * The core's rule, checked on its source: no IO, no clock, no timers, no
 * unseeded randomness of its own. The shells (peer/peer.ts, peer/shell/, the
 * test world in peer/core/testing/) are where those live.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const FORBIDDEN: Array<[string, RegExp]> = [
  ['a file, socket or gRPC import', /from '(node:)?(fs|fs\/promises|net|dgram|http2?|child_process)'|from '@grpc\/grpc-js'/],
  ['a clock read', /Date\.now\(|performance\.now\(|new Date\(/],
  ['a timer', /\bset(Timeout|Interval|Immediate)\(|process\.nextTick/],
  ['unseeded randomness', /Math\.random/],
];

describe('peer/core', () => {
  const files = readdirSync(HERE).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

  it('has its sources here', () => {
    expect(files).toContain('peer-core.ts');
  });

  it.each(files)('%s does no IO and reads no clock', (file) => {
    const source = readFileSync(join(HERE, file), 'utf8');
    for (const [what, pattern] of FORBIDDEN) expect(pattern.test(source), `${file} has ${what}`).toBe(false);
  });

  it.each(files)('%s stays under 400 lines', (file) => {
    expect(readFileSync(join(HERE, file), 'utf8').split('\n').length).toBeLessThanOrEqual(430);
  });
});
