/** `peerlab lab compare BASE NEW`: the regression gate; exit 2 on a regression. */
import { Command, InvalidArgumentError } from 'commander';
import { compareReports } from '../compare/compare.js';
import { formatCompare } from '../compare/format.js';
import { loadReport, ReportError } from '../report/load-report.js';
import { EXIT } from './exit-codes.js';

interface CompareFlags {
  noiseBand: number;
  minChange: number;
  alpha: number;
  markdown?: boolean;
}

/** A commander parser for a fraction in [min, max), naming the flag and an example in its error. */
export function fractionOption(flag: string, example: string, max = 10, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n >= max) throw new InvalidArgumentError(`${flag} must be a fraction such as ${example}, from ${min} to under ${max}; got "${value}"`);
    return n;
  };
}

/** The `lab compare` subcommand. */
export function compareCommand(): Command {
  return new Command('compare')
    .description(
      'compare two report.json files metric by metric; with repeated runs (--repeat) on both sides a Mann–Whitney test decides, ' +
        'with one run the noise band; exit 2 when a gated metric got worse',
    )
    .argument('<base>', 'the baseline report.json, e.g. reports/baselines/smoke.json')
    .argument('<next>', 'the new report.json')
    .option('--min-change <fraction>', 'repeated runs: smallest change of a median that counts as a regression', fractionOption('--min-change', '0.05 (5 %)'), 0.05)
    .option('--alpha <p>', 'repeated runs: chance of any false alarm across the gated metrics (Holm–Bonferroni)', fractionOption('--alpha', '0.05', 0.5, 0.0001), 0.05)
    .option('--noise-band <fraction>', 'one-run reports: relative change treated as noise; also the band for the machine baselines', fractionOption('--noise-band', '0.1 (±10 %)'), 0.1)
    .option('--markdown', 'print Markdown (for a CI summary) instead of a text table')
    .exitOverride()
    .action(async (base: string, next: string, flags: CompareFlags) => {
      process.exit(await compareLab(base, next, flags));
    });
}

/** Runs `lab compare` and returns the exit code (0 no regression, 2 regression, 64 bad input). */
export async function compareLab(basePath: string, nextPath: string, flags: CompareFlags): Promise<number> {
  try {
    const [base, next] = await Promise.all([loadReport(basePath), loadReport(nextPath)]);
    const result = compareReports(base, next, { noiseBand: flags.noiseBand, minChange: flags.minChange, alpha: flags.alpha });
    process.stdout.write(formatCompare(result, flags.markdown ? 'markdown' : 'text'));
    return result.regression ? EXIT.regression : EXIT.ok;
  } catch (err) {
    if (err instanceof ReportError) {
      process.stderr.write(`peerlab: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
