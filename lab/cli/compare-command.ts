/** `peerlab lab compare BASE NEW`: the regression gate; exit 2 on a regression. */
import { Command, InvalidArgumentError } from 'commander';
import { compareReports } from '../compare/compare.js';
import { formatCompare } from '../compare/format.js';
import { loadReport, ReportError } from '../report/load-report.js';
import { EXIT } from './exit-codes.js';

interface CompareFlags {
  noiseBand: number;
  markdown?: boolean;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 10) throw new InvalidArgumentError(`--noise-band must be a fraction such as 0.1 (±10 %), got "${value}"`);
  return n;
}

/** The `lab compare` subcommand. */
export function compareCommand(): Command {
  return new Command('compare')
    .description('compare two report.json files metric by metric; exit 2 when a gated metric got worse beyond the noise band')
    .argument('<base>', 'the baseline report.json, e.g. reports/baselines/smoke.json')
    .argument('<next>', 'the new report.json')
    .option('--noise-band <fraction>', 'relative change treated as noise', fraction, 0.1)
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
    const result = compareReports(base, next, { noiseBand: flags.noiseBand });
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
