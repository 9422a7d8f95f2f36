/**
 * `peerlab peer` refuses bad flags with exit 64 (a usage error, as the README says) and
 * an error naming the flag and what is allowed. Nothing starts: each refusal comes
 * before the peer binds or writes anything.
 */
import { describe, expect, it } from 'vitest';
import { startCli, tempDir, type CliResult } from './support/lab-cli.js';

/** Runs `peerlab peer` kept on loopback (should a case ever start a peer) and kills it after a deadline. */
async function peer(dataDir: string, args: string[]): Promise<CliResult> {
  const local = ['--name', 'usage', '--data', dataDir, '--host', '127.0.0.1', '--interface', '127.0.0.1', '--no-multicast', '--no-control', '--no-stdin'];
  const run = startCli(['peer', ...local, ...args]);
  // Generous: on a loaded 2-core machine a dozen CLI starts at once take half a minute.
  const deadline = setTimeout(() => run.child.kill('SIGKILL'), 50_000);
  try {
    return await run.result;
  } finally {
    clearTimeout(deadline);
  }
}

/** Flags, and what stderr must say: one for each way commander or the validator refuses. */
const CASES: Array<[string, string[], string]> = [
  // Every number flag's refusal is tested on the real command in peer/cli/peer-flags.test.ts.
  ['a word for a number', ['--digest-interval', 'soon'], '--digest-interval must be a whole number ≥ 50, got "soon"'],
  ['a number out of range', ['--fanout', '65'], '--fanout must be a whole number from 1 to 64, got "65"'],
  ['an unknown flag', ['--frobnicate'], "unknown option '--frobnicate'"],
  ['settings wrong together', ['--announce-interval', '1000', '--expire-after', '1500'], 'peerlab: --expire-after: must be at least twice the announce interval (2000 ms), got 1500'],
  ['an address of the wrong kind', ['--multicast-group', '10.0.0.1'], 'peerlab: --multicast-group: must be an IPv4 multicast address'],
  ['a malformed list item', ['--seed', 'nowhere'], 'peerlab: --seed: expected host:port, got "nowhere"'],
  ['a web address without a port', ['--web', 'localhost'], 'peerlab: --web: expected host:port, got "localhost"'],
  ['a short web token', ['--web', '127.0.0.1:0', '--web-token', 'letmein'], 'peerlab: --web-token: must be at least 16 characters'],
];

describe('peerlab peer: a bad flag exits 64', () => {
  it.each(CASES)('for %s, saying what is wrong', async (_what, args, expected) => {
    await using dir = await tempDir('peerlab-usage-');
    const result = await peer(dir.path, args);
    expect(result.code, result.stderr).toBe(64);
    expect(result.stderr).toContain(expected);
  });

  it('for a missing name', async () => {
    const result = await startCli(['peer', '--no-stdin', '--no-multicast', '--no-control']).result;
    expect(result.code, result.stderr).toBe(64);
    expect(result.stderr).toContain("required option '--name <name>' not specified");
  });
});
