/**
 * `peerlab lab image [--base IMAGE] [--tag NAME]`: builds the peer image for
 * `--runtime docker` (or says it is up to date). Prints the image and the base used as
 * one JSON line on stdout; progress on stderr. Exit 3 when Docker is down or the build
 * fails.
 */
import { Command } from 'commander';
import { LabError } from '../runtimes/errors.js';
import { assertDockerAnswers, DEFAULT_BASE, ensurePeerImage } from '../runtimes/docker/index.js';
import { EXIT } from './exit-codes.js';

interface ImageFlags {
  base: string;
  tag?: string;
}

/** The `lab image` subcommand. */
export function imageCommand(): Command {
  return new Command('image')
    .description('build the peer image for --runtime docker (cached by a hash of its contents); falls back to a base made from the host\'s node when the base cannot be pulled')
    .option('--base <image>', 'base image (needs node 20 on PATH)', DEFAULT_BASE)
    .option('--tag <name>', 'also tag the image with this name')
    .exitOverride()
    .action(async (flags: ImageFlags) => {
      process.exit(await buildImageCommand(flags));
    });
}

/** Runs `lab image`; returns the exit code. */
export async function buildImageCommand(flags: ImageFlags): Promise<number> {
  try {
    await assertDockerAnswers();
    const image = await ensurePeerImage({ base: flags.base, ...(flags.tag ? { tag: flags.tag } : {}), log: (line) => process.stderr.write(`peerlab: ${line}\n`) });
    process.stdout.write(`${JSON.stringify({ type: 'image', ...image, ...(flags.tag ? { tag: flags.tag } : {}) })}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof LabError) {
      process.stderr.write(`peerlab: ${err.message}\n`);
      return EXIT.infrastructure;
    }
    throw err;
  }
}
