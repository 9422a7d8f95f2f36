import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { peerCommand } from './cli/peer-command.js';
import { defaultPeerOptions, validatePeerOptions } from './options.js';

describe('the announce window setting', () => {
  const withWindow = (announceWindowMs: number) => ({ ...defaultPeerOptions('alice'), announceWindowMs });

  it('defaults to 30 s and accepts 1 s to 1 h', () => {
    expect(defaultPeerOptions('alice').announceWindowMs).toBe(30_000);
    for (const ms of [1000, 30_000, 3_600_000]) expect(validatePeerOptions(withWindow(ms)).announceWindowMs).toBe(ms);
  });

  it.each([999, 3_600_001, 1500.5, Number.NaN])('refuses %d, naming the flag and the range', (ms) => {
    expect(() => validatePeerOptions(withWindow(ms))).toThrow(`--announce-window: must be a whole number of ms from 1000 to 3600000, got ${ms}`);
  });

  it.each(['999', '3600001', 'soon'])('--announce-window %s is a usage error naming the flag and the range', async (value) => {
    const command = peerCommand()
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    const parsing = command.parseAsync(['--name', 'alice', '--announce-window', value], { from: 'user' });
    await expect(parsing).rejects.toBeInstanceOf(CommanderError);
    await expect(parsing).rejects.toThrow(`--announce-window must be a whole number from 1000 to 3600000, got "${value}"`);
  });
});
