#!/usr/bin/env node
/**
 * The `peerlab` command: one subcommand per part of the project.
 * Exit codes: 0 ok, 1 SLO missed, 2 regression, 3 lab/infrastructure error, 64 usage error.
 */
import { Command, CommanderError } from 'commander';
import { PEERLAB_VERSION } from '../peer/peer.js';
import { OptionsError } from '../peer/options.js';

export const EXIT = { ok: 0, sloFailed: 1, regression: 2, infrastructure: 3, usage: 64 } as const;

const program = new Command('peerlab')
  .description('a peer-to-peer messenger over gRPC, and the lab that measures it')
  .version(PEERLAB_VERSION)
  // Options belong to the command they follow (`dispatcher add-user --users` is add-user's, not dispatcher's).
  .enablePositionalOptions()
  .exitOverride();
// Load only the part asked for: the lab brings testcontainers and dockerode (about 40 MB of
// memory and 0.7 s of CPU per start), which a peer process never needs — and the lab starts
// its peers as processes of this same command.
const parts: Record<string, () => Promise<Command>> = {
  peer: async () => (await import('../peer/cli/peer-command.js')).peerCommand(),
  lab: async () => (await import('../lab/cli/lab-command.js')).labCommand(),
  dispatcher: async () => (await import('../dispatcher/cli/dispatcher-command.js')).dispatcherCommand(),
};
const part = process.argv[2];
// One part when it is named; all of them for help, a typo or nothing (so the usage lists them).
for (const [name, load] of Object.entries(parts)) if (part === undefined || !(part in parts) || part === name) program.addCommand(await load());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; everything else commander refuses is a usage error.
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`peerlab: ${message}\n`);
  process.exit(err instanceof OptionsError ? EXIT.usage : EXIT.infrastructure);
}
