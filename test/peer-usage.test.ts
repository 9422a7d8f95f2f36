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

describe('peerlab peer: a bad flag exits 64', () => {
  // Every number flag's refusal is tested in peer/cli/peer-flags.test.ts on the real command;
  // here the exit code, for each way commander or the validator can refuse.
  it('for a word given to a number flag, naming the flag and the range', async () => {
    await using dir = await tempDir('peerlab-usage-');
    const result = await peer(dir.path, ['--digest-interval', 'soon']);
    expect(result.code, result.stderr).toBe(64);
    expect(result.stderr).toContain('--digest-interval must be a whole number ≥ 50, got "soon"');
  });

  it('for a value out of range, an unknown flag and a missing name', async () => {
    await using dir = await tempDir('peerlab-usage-');
    const [fanout, unknown, nameless] = await Promise.all([
      peer(dir.path, ['--fanout', '65']),
      peer(dir.path, ['--frobnicate']),
      startCli(['peer', '--no-stdin', '--no-multicast', '--no-control']).result,
    ]);
    expect(fanout.code).toBe(64);
    expect(fanout.stderr).toContain('--fanout must be a whole number from 1 to 64, got "65"');
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
    expect(nameless.code).toBe(64);
    expect(nameless.stderr).toContain("required option '--name <name>' not specified");
  });

  it('for settings that are wrong together or in form, checked as the peer starts', async () => {
    await using dir = await tempDir('peerlab-usage-');
    const [expiry, group, seed] = await Promise.all([
      peer(dir.path, ['--announce-interval', '1000', '--expire-after', '1500']),
      peer(dir.path, ['--multicast-group', '10.0.0.1']),
      peer(dir.path, ['--seed', 'nowhere']),
    ]);
    expect(expiry.code).toBe(64);
    expect(expiry.stderr).toContain('peerlab: --expire-after: must be at least twice the announce interval (2000 ms), got 1500');
    expect(group.code).toBe(64);
    expect(group.stderr).toContain('--multicast-group: must be an IPv4 multicast address');
    expect(seed.code).toBe(64);
    expect(seed.stderr).toContain('peerlab: --seed: expected host:port, got "nowhere"');
  });
});
