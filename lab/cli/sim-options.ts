/**
 * The simulator's runtime settings on the command line (`lab run`, `lab calibrate`):
 * `--sim-crypto-up-to N` and `--sim-cpu RATES`, and the command that replays a
 * simulated run exactly (its seed and the CPU rates it ran with).
 */
import type { Command } from 'commander';
import { formatCpuRates, parseCpuRates } from '../runtimes/sim/cpu-model.js';
import type { SimSettings } from '../runtimes/sim/sim-settings.js';
import type { SimulationReport } from '../runtimes/runtime.js';
import { PLANT_BUG_ENV, plantedBugFrom } from '../runtimes/sim/planted-bug.js';
import { UsageError } from './usage-error.js';

export interface SimFlags {
  simCryptoUpTo?: string;
  simCpu?: string;
}

/** Adds the simulator's flags to `command`. */
export function withSimOptions(command: Command): Command {
  return command
    .option('--sim-crypto-up-to <n>', 'sim: compute crypto for real up to N peers, model it above (default 200)')
    .option('--sim-cpu <rates>', 'sim: CPU rates instead of measuring them, e.g. sign=14000,verify=4900,x25519=17000,aead_mb=300 (a run prints its own)');
}

/** The simulator's settings from the flags; a bad value is a usage error naming it. */
export function simSettingsFrom(flags: SimFlags): SimSettings {
  const settings: SimSettings = {};
  if (flags.simCryptoUpTo !== undefined) {
    const n = Number(flags.simCryptoUpTo);
    if (!/^\d+$/.test(flags.simCryptoUpTo) || n > 1_000_000) throw new UsageError(`--sim-crypto-up-to: expected a whole number of peers from 0 to 1000000, got "${flags.simCryptoUpTo}"`);
    settings.computedCryptoUpTo = n;
  }
  if (flags.simCpu !== undefined) {
    try {
      settings.cpuRates = parseCpuRates(flags.simCpu);
    } catch (err) {
      throw new UsageError(`--sim-cpu ${flags.simCpu}: ${(err as Error).message}`);
    }
  }
  return settings;
}

/** Says on stderr when a bug is planted in the simulator (PEERLAB_SIM_PLANT_BUG), so no report of it is taken for the product's. */
export function warnIfBugPlanted(runtime: string): void {
  const bug = runtime === 'sim' ? plantedBugFrom() : undefined;
  if (bug) process.stderr.write(`peerlab: ${PLANT_BUG_ENV}=${bug}: a bug is planted in the simulator on purpose; these runs test the lab, not the peer\n`);
}

/** The command that runs this simulated run again, event for event. */
export function replayCommand(file: string, overrides: Record<string, string>, simulation: SimulationReport): string {
  const sets = Object.entries(overrides)
    .filter(([key]) => key !== 'seed')
    .map(([key, value]) => ` --set ${shellWord(`${key}=${value}`)}`)
    .join('');
  const rates = simulation.cpu_model;
  const cpu = formatCpuRates({ signPerS: rates.ed25519_sign_per_s, verifyPerS: rates.ed25519_verify_per_s, x25519PerS: rates.x25519_per_s, aeadBytesPerS: rates.aead_mb_per_s * 1e6 });
  return `peerlab lab run ${shellWord(file)} --runtime sim --seed ${simulation.seed}${sets} --sim-crypto-up-to ${simulation.crypto.computed_up_to} --sim-cpu ${cpu}`;
}

function shellWord(text: string): string {
  return /^[\w./=,:%-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
