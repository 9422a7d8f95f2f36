#!/usr/bin/env node
/**
 * The `peerlab` command: one subcommand per part of the project.
 * Exit codes: 0 ok, 1 SLO missed, 2 regression, 3 lab/infrastructure error, 64 usage error.
 */
import { Command, CommanderError } from 'commander';
import { labCommand } from '../lab/cli/lab-command.js';
import { peerCommand } from '../peer/cli/peer-command.js';
import { PEERLAB_VERSION } from '../peer/peer.js';
import { OptionsError } from '../peer/options.js';

export const EXIT = { ok: 0, sloFailed: 1, regression: 2, infrastructure: 3, usage: 64 } as const;

const program = new Command('peerlab')
  .description('a peer-to-peer messenger over gRPC, and the lab that measures it')
  .version(PEERLAB_VERSION)
  .exitOverride()
  .addCommand(peerCommand())
  .addCommand(labCommand());

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
