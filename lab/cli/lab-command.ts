/** `peerlab lab`: run scenarios against peers and compare their reports. */
import { Command } from 'commander';
import { calibrateCommand } from './calibrate-command.js';
import { compareCommand } from './compare-command.js';
import { exploreCommand } from './explore-command.js';
import { imageCommand } from './image-command.js';
import { runCommand } from './run-command.js';

/** The `lab` command with its `run`, `explore`, `compare`, `calibrate` and `image` subcommands. */
export function labCommand(): Command {
  return new Command('lab')
    .description('run scenarios against real peers and write reports; compare reports')
    .exitOverride()
    .addCommand(runCommand())
    .addCommand(exploreCommand())
    .addCommand(compareCommand())
    .addCommand(calibrateCommand())
    .addCommand(imageCommand());
}
