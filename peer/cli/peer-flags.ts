/**
 * `peerlab peer`'s flags, made from the settings table: the commander options, parsed
 * flags back to PeerOptions, and settings back to flags (what the lab's runtimes pass).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { quote } from '../limits.js';
import { defaultPeerOptions, inRange, rangeText, type PeerOptions } from '../options.js';
import { writeSetting } from '../setting-path.js';
import { SETTINGS, type Setting, type SettingKind, type SettingValues } from '../settings.js';

/** A flag of `peerlab peer` that is not a peer setting: how the command talks to its terminal. */
export interface OutputFlag {
  flag: string;
  help: string;
  defaultText?: string;
}

export const OUTPUT_FLAGS: readonly OutputFlag[] = [
  { flag: '--json', help: 'every event and command result is one JSON line with a `"type"` field', defaultText: 'off' },
  { flag: '--no-color', help: 'no colours (colour is used only on a TTY anyway)' },
  { flag: '--no-stdin', help: 'read no commands; run until SIGINT/SIGTERM (services, the lab)' },
];

const ARG_BY_KIND: Record<SettingKind, string> = { integer: 'N', duration: 'MS', address: 'ADDR', endpoint: 'HOST:PORT', string: 'VALUE', list: 'VALUE', boolean: '' };

/** The flag's argument as the README shows it (`N`, `HOST:PORT`); empty for a switch. */
export function flagArgument(row: Setting): string {
  return row.arg ?? ARG_BY_KIND[row.kind];
}

/** Help text as a terminal shows it: markdown code marks and links dropped. */
export function plainText(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replaceAll('`', '');
}

/** The default as help and the README show it (markdown), or '' when there is nothing to say. */
export function defaultText(row: Setting): string {
  if (row.required) return '(required)';
  if (row.defaultText !== undefined) return row.defaultText;
  const value = row.default;
  if (typeof value === 'boolean') return value ? '' : 'off';
  if (typeof value === 'number' || (typeof value === 'string' && value !== '')) return `\`${value}\``;
  return '';
}

/** Parses a number flag: a whole number in the row's range, else a usage error naming the flag and the range. */
function wholeNumber(row: Setting) {
  return (text: string): number => {
    const n = Number(text);
    if (!inRange(row, n)) {
      throw new InvalidArgumentError(`${row.flag} must be a whole number ${rangeText(row)}, got ${quote(text)}`);
    }
    return n;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The commander option for one setting. */
function settingOption(row: Setting): Option {
  const argument = flagArgument(row);
  const extra = row.defaultText !== undefined && !row.required ? ` (default: ${plainText(row.defaultText)})` : '';
  const option = new Option(argument ? `${row.flag} <${argument.toLowerCase()}>` : row.flag, plainText(row.help) + extra);
  if (row.kind === 'integer' || row.kind === 'duration') option.argParser(wholeNumber(row));
  if (row.kind === 'list') option.argParser(collect);
  if (row.env !== undefined) option.env(row.env);
  // A plain default shows in --help; negated switches get theirs from commander.
  if (row.kind !== 'boolean' && (typeof row.default === 'number' || (typeof row.default === 'string' && row.default !== ''))) {
    option.default(row.default);
  }
  return option;
}

/** Every option of `peerlab peer`, in help order: each setting (and its `off` flag), then the output flags. */
export function peerOptions(): Option[] {
  const options = SETTINGS.flatMap((row) => [settingOption(row), ...(row.off ? [new Option(row.off.flag, plainText(row.off.help))] : [])]);
  return [...options, ...OUTPUT_FLAGS.map((f) => new Option(f.flag, plainText(f.help)))];
}

/** The key commander stores a flag's value under (`--no-control` → `control`). */
function attribute(flag: string): string {
  return new Option(flag).attributeName();
}

/**
 * commander's own words for a required flag that is missing, or undefined. Checked here, not
 * by commander, because a `--vacant` peer needs none of them: its claim brings them.
 */
export function missingRequiredFlag(flags: Record<string, unknown>): string | undefined {
  if (flags[attribute('--vacant')] !== undefined) return undefined;
  const row = SETTINGS.find((r) => r.required && flags[attribute(r.flag)] === undefined);
  return row && `error: required option '${row.flag} <${flagArgument(row).toLowerCase()}>' not specified`;
}

/** Builds PeerOptions from parsed flags (validated by the peer when it starts). */
export function optionsFromFlags(flags: Record<string, unknown>): PeerOptions {
  const options = defaultPeerOptions(flags.name as string);
  for (const row of SETTINGS) {
    if (row.off && flags[attribute(row.off.flag)] === false) writeSetting(options, row.name, row.off.value);
    else if (flags[attribute(row.flag)] !== undefined) writeSetting(options, row.name, flags[attribute(row.flag)]);
  }
  return options;
}

/**
 * The options `peerlab peer ARGS` would run with, parsed as the command parses them (a
 * later flag wins), without starting anything; throws a CommanderError on a bad flag.
 */
export function parsePeerArgs(args: readonly string[]): PeerOptions {
  const command = new Command('peer').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const option of peerOptions()) command.addOption(option);
  command.parse([...args], { from: 'user' });
  const missing = missingRequiredFlag(command.opts());
  if (missing !== undefined) command.error(missing, { exitCode: 1, code: 'commander.missingMandatoryOptionValue' });
  return optionsFromFlags(command.opts());
}

/** The `peerlab peer` arguments that give these settings; the others keep the peer's defaults. */
export function settingArgs(values: Partial<SettingValues>): string[] {
  const args: string[] = [];
  for (const row of SETTINGS) {
    const value: unknown = values[row.name];
    if (value === undefined) continue;
    if (row.off && value === row.off.value) args.push(row.off.flag);
    // A `--no-…` switch says false; any other switch says true.
    else if (row.kind === 'boolean') args.push(...(value === !row.flag.startsWith('--no-') ? [row.flag] : []));
    else if (Array.isArray(value)) args.push(...value.flatMap((item) => [row.flag, String(item)]));
    else args.push(row.flag, String(value));
  }
  return args;
}
