/**
 * `peerlab dispatcher` flags → DispatcherOptions, checked once; every error names
 * the flag, the value and what is allowed (exit 64).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDuration } from '../../lab/scenario/duration.js';
import { splitHostPort } from '../../peer/host-port.js';
import { OptionsError } from '../../peer/options.js';
import type { DispatcherOptions } from '../server.js';

export const SPAWNER_KINDS = ['process', 'docker', 'swarm'] as const;
export type SpawnerKind = (typeof SPAWNER_KINDS)[number];

export interface DispatcherFlags {
  listen: string;
  spawner: string;
  users?: string;
  pool: string;
  idleTimeout: string;
  maxUsers: string;
  state: string;
  sessionTtl: string;
  startTimeout: string;
  tlsCert?: string;
  tlsKey?: string;
  peerArgs?: string;
  json?: boolean;
}

/** Where the dispatcher keeps its key, its logout list and the spawner's state by default. */
export const DEFAULT_STATE_DIR = join(homedir(), '.peerlab-dispatcher');

/** The flag table's defaults, as commander shows them. */
export const FLAG_DEFAULTS = {
  listen: '127.0.0.1:8080',
  spawner: 'process',
  pool: '0',
  idleTimeout: '30m',
  maxUsers: '50',
  sessionTtl: '12h',
  startTimeout: '60s',
} as const;

export interface ParsedDispatcherFlags {
  options: DispatcherOptions;
  spawner: SpawnerKind;
  startTimeoutMs: number;
  peerArgs: string[];
  json: boolean;
}

/** Checks the flags and builds the options. */
export function parseDispatcherFlags(flags: DispatcherFlags): ParsedDispatcherFlags {
  const listen = splitHostPort(flags.listen, 0);
  if ('problem' in listen) throw new OptionsError('--listen', listen.problem);
  if (!(SPAWNER_KINDS as readonly string[]).includes(flags.spawner)) {
    throw new OptionsError('--spawner', `expected one of ${SPAWNER_KINDS.join(', ')}, got ${JSON.stringify(flags.spawner)}`);
  }
  if (!flags.users) throw new OptionsError('--users', 'is required: the users file (create it with `peerlab dispatcher add-user NAME --users FILE`)');
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new OptionsError('--tls-cert', 'give --tls-cert and --tls-key together');
  const options: DispatcherOptions = {
    host: listen.host,
    port: listen.port,
    usersFile: resolve(flags.users),
    stateDir: resolve(flags.state),
    poolSize: wholeNumber('--pool', flags.pool, 0, 1000),
    maxUsers: wholeNumber('--max-users', flags.maxUsers, 1, 100_000),
    idleTimeoutMs: duration('--idle-timeout', flags.idleTimeout, 1000, 'or 0 to never cull'),
    sessionTtlMs: duration('--session-ttl', flags.sessionTtl, 60_000),
    ...(flags.tlsCert && flags.tlsKey ? { tls: { cert: readFlagFile('--tls-cert', flags.tlsCert), key: readFlagFile('--tls-key', flags.tlsKey) } } : {}),
  };
  return {
    options,
    spawner: flags.spawner as SpawnerKind,
    startTimeoutMs: duration('--start-timeout', flags.startTimeout, 1000),
    peerArgs: (flags.peerArgs ?? '').split(/\s+/).filter((a) => a !== ''),
    json: flags.json ?? false,
  };
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new OptionsError(flag, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function duration(flag: string, text: string, minMs: number, zero?: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new OptionsError(flag, (err as Error).message);
  }
  if (ms === 0 && zero) return 0;
  if (ms < minMs) throw new OptionsError(flag, `must be at least ${minMs} ms${zero ? ` (${zero})` : ''}, got ${JSON.stringify(text)}`);
  return ms;
}

function readFlagFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new OptionsError(flag, `cannot read ${file}: ${(err as Error).message}`);
  }
}

