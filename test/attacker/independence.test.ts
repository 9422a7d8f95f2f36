/**
 * The attacker must be written from the .proto files and docs/wire-protocol.md
 * alone: a bug shared with the peer's own code would hide itself. Its library
 * files may import only each other, node: built-ins and the two gRPC packages.
 * Its test files may also start peers with the shared harness
 * (test/support/peers.ts, wait-for.ts), but never use the peer's code to speak
 * the protocol.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const FORBIDDEN_DIRS = ['peer', 'lab', 'bin', 'proto/gen', 'test/support'];
const PACKAGES = ['@grpc/grpc-js', '@grpc/proto-loader'];
/** What test files may use besides: the harness that starts peer processes and waits on them. */
const TEST_HARNESS = ['test/support/peers.js', 'test/support/wait-for.js'];
const TEST_PACKAGES = ['vitest', 'typescript'];

/** What is wrong with one file's imports (empty when nothing is). */
function importProblems(file: string, source: string): string[] {
  const isTest = file.endsWith('.test.ts');
  const problems: string[] = [];
  for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
    if (specifier.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), specifier));
      if (isTest && TEST_HARNESS.includes(target)) continue;
      const forbidden = FORBIDDEN_DIRS.find((dir) => target === dir || target.startsWith(`${dir}/`));
      if (forbidden) problems.push(`${relative(root, file)} imports ${specifier}, which is in ${forbidden}/`);
      else if (!target.startsWith('test/attacker/')) problems.push(`${relative(root, file)} imports ${specifier}, outside test/attacker/`);
    } else if (!specifier.startsWith('node:') && !PACKAGES.includes(specifier) && !(isTest && TEST_PACKAGES.includes(specifier))) {
      problems.push(`${relative(root, file)} imports package ${specifier}; the attacker may use only node: built-ins and ${PACKAGES.join(', ')}`);
    }
  }
  return problems;
}

function attackerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return attackerFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the attacker is independent of the peer', () => {
  it('no file in test/attacker imports the peer, the lab, the CLI, the generated code or the test support', () => {
    const files = attackerFiles(here);
    expect(files.map((f) => relative(here, f))).toEqual(expect.arrayContaining(['handshake.ts', 'session.ts', 'wire.ts']));
    const problems = files.flatMap((file) => importProblems(file, readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catches every way of importing the peer', () => {
    const file = join(here, 'example.ts');
    const source = [
      "import { createInit } from '../../peer/session/handshake.js';",
      "export { Announcement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';",
      "import type { PeerEvent } from '../../peer/events.js';",
      "const lab = await import('../../lab/runtimes/process/peer-process.js');",
      "import '../support/hostile-session.js';",
      "import { parse } from 'yaml';",
      "import { status } from '@grpc/grpc-js';",
      "import { randomBytes } from 'node:crypto';",
      "import { FrameSealer } from './frames.js';",
    ].join('\n');
    const problems = importProblems(file, source);
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/peer\/session\/handshake\.js, which is in peer\//);
    expect(problems.join('\n')).toMatch(/proto\/gen\//);
    expect(problems.join('\n')).toMatch(/which is in lab\//);
    expect(problems.join('\n')).toMatch(/which is in test\/support\//);
    expect(problems.join('\n')).toMatch(/package yaml/);
  });

  it('lets a test file start peers with the shared harness, and nothing more of test/support', () => {
    const file = join(here, 'example.test.ts');
    const source = "import { createPeers } from '../support/peers.js';\nimport { openHostileSession } from '../support/hostile-session.js';";
    expect(importProblems(file, source)).toEqual([`test/attacker/example.test.ts imports ../support/hostile-session.js, which is in test/support/`]);
  });
});
