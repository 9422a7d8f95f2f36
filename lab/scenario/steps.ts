import type { Fields } from './fields.js';
import { join } from './fields.js';
import { shown } from './errors.js';
import type { Roster } from './roster.js';
import { parseBandwidth } from './bandwidth.js';
import { roomProblem } from '../../peer/gossip/group-codec.js';
import type { LoadStep, PeerFaultKind, Step, StepKind } from './types.js';

export const STEP_KINDS: readonly StepKind[] = [
  'start', 'wait_for', 'load', 'kill', 'stop', 'restart', 'join', 'pause_load', 'resume_load',
  'sleep', 'pause', 'unpause', 'partition', 'heal', 'link', 'registry', 'login',
];
const BARE_KINDS = ['pause_load', 'resume_load', 'heal'] as const;
const PEER_FAULTS: readonly PeerFaultKind[] = ['kill', 'stop', 'restart', 'pause', 'unpause'];

/**
 * Reads one entry of `steps`: a mapping with exactly one key, the step kind
 * (`- load: {...}`), or a bare word for steps without settings (`- heal`).
 */
export function readStep(raw: unknown, index: number, fields: Fields, roster: Roster): Step {
  const path = `steps[${index}]`;
  let kind: string;
  let body: unknown;
  if (typeof raw === 'string') {
    [kind, body] = [raw, {}];
  } else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1) {
    [kind, body] = Object.entries(raw)[0]!;
  } else {
    fields.fail(path, `must be one step, e.g. "- start: { count: 5 }", with one of ${STEP_KINDS.join(', ')}; got ${shown(raw)}`);
  }
  if (!STEP_KINDS.includes(kind as StepKind)) {
    fields.fail(join(path, kind), `unknown step; steps are ${STEP_KINDS.join(', ')}`);
  }
  return readBody(kind as StepKind, body ?? {}, join(path, kind), index, fields, roster);
}

function readBody(kind: StepKind, body: unknown, path: string, index: number, f: Fields, roster: Roster): Step {
  const at = (key: string) => join(path, key);
  const labelled = (map: Record<string, unknown>) =>
    map.label === undefined ? { index } : { index, label: f.string(map.label, at('label')) };

  switch (kind) {
    case 'start':
    case 'join': {
      const m = f.map(body, path, ['count', 'label'], ['count']);
      const count = f.count(m.count, at('count'), 'peers');
      roster.add(count);
      return { kind, count, ...labelled(m) };
    }
    case 'login': {
      const m = f.map(body, path, ['users', 'spawner', 'pool', 'label'], ['users']);
      const users = f.count(m.users, at('users'), 'users');
      roster.add(users);
      return {
        kind,
        users,
        spawner: m.spawner === undefined ? 'process' : f.oneOf(m.spawner, at('spawner'), ['process', 'docker', 'swarm'] as const),
        pool: m.pool === undefined ? 0 : f.number(m.pool, at('pool'), 'a whole number of warm peers, 0 to 50', { integer: true, min: 0, max: 50 }),
        ...labelled(m),
      };
    }
    case 'wait_for': {
      const m = f.map(body, path, ['condition', 'timeout', 'label'], ['condition', 'timeout']);
      return {
        kind,
        condition: f.oneOf(m.condition, at('condition'), ['discovered', 'sessions', 'delivered', 'gossip_delivered'] as const),
        timeoutMs: positiveDuration(f, m.timeout, at('timeout')),
        ...labelled(m),
      };
    }
    case 'load':
      return readLoad(body, path, index, f, roster);
    case 'sleep': {
      const m = f.map(body, path, ['duration', 'label'], ['duration']);
      return { kind, durationMs: f.duration(m.duration, at('duration')), ...labelled(m) };
    }
    case 'partition': {
      const m = f.map(body, path, ['groups', 'label'], ['groups']);
      const groups = f.list(m.groups, at('groups'), 'groups of peer indexes, e.g. [[0,1],[2,3]]').map((g, gi) =>
        f.list(g, join(at('groups'), gi), 'peer indexes').map((p, pi) => roster.index(p, join(join(at('groups'), gi), pi))),
      );
      if (groups.length < 2) f.fail(at('groups'), 'needs at least two groups to cut apart');
      const seen = new Set<number>();
      for (const p of groups.flat()) {
        if (seen.has(p)) f.fail(at('groups'), `peer ${p} is in two groups; groups must not overlap`);
        seen.add(p);
      }
      return { kind, groups, ...labelled(m) };
    }
    case 'link': {
      const shapeKeys = ['delay', 'jitter', 'loss', 'bandwidth'] as const;
      const m = f.map(body, path, ['peers', ...shapeKeys, 'reset', 'label'], ['peers']);
      const { peers, pick } = roster.select(m.peers, at('peers'), kind);
      const reset = m.reset === undefined ? false : f.boolean(m.reset, at('reset'));
      return {
        kind, peers, pick,
        delayMs: m.delay === undefined ? 0 : f.duration(m.delay, at('delay')),
        jitterMs: m.jitter === undefined ? 0 : f.duration(m.jitter, at('jitter')),
        loss: m.loss === undefined ? 0 : readLoss(f, m.loss, at('loss')),
        bandwidthBps: m.bandwidth === undefined ? 0 : readBandwidth(f, m.bandwidth, at('bandwidth')),
        reset,
        // `- link: { peers: [0], reset: true }` resets without touching the shape.
        setsShape: !reset || shapeKeys.some((key) => m[key] !== undefined),
        ...labelled(m),
      };
    }
    case 'registry': {
      const m = f.map(body, path, ['stop', 'start', 'label']);
      const stop = m.stop === undefined ? false : f.boolean(m.stop, at('stop'));
      const start = m.start === undefined ? false : f.boolean(m.start, at('start'));
      if (stop === start) f.fail(path, 'must be { stop: true } or { start: true }');
      return { kind, action: stop ? 'stop' : 'start', ...labelled(m) };
    }
    default:
      if ((BARE_KINDS as readonly string[]).includes(kind)) {
        const m = f.map(body, path, ['label']);
        return { kind: kind as (typeof BARE_KINDS)[number], ...labelled(m) };
      }
      if ((PEER_FAULTS as readonly string[]).includes(kind)) {
        const m = f.map(body, path, ['peers', 'label'], ['peers']);
        const { peers, pick } = roster.select(m.peers, at('peers'), kind);
        roster.apply(kind, peers);
        return { kind: kind as PeerFaultKind, peers, pick, ...labelled(m) };
      }
      throw new Error(`unhandled step kind ${kind}`);
  }
}

function readLoad(body: unknown, path: string, index: number, f: Fields, roster: Roster): Step {
  const at = (key: string) => join(path, key);
  const m = f.map(body, path, ['pattern', 'pairs', 'authors', 'room', 'rate', 'duration', 'size', 'background', 'label'], ['rate', 'duration']);
  const pattern = m.pattern === undefined ? 'random' : f.oneOf(m.pattern, at('pattern'), ['random', 'pairs', 'broadcast'] as const);
  const step: LoadStep = {
    kind: 'load',
    index,
    pattern,
    rate: f.number(m.rate, at('rate'), 'a positive number of messages per second', { positive: true }),
    durationMs: positiveDuration(f, m.duration, at('duration')),
    size: m.size === undefined ? 256 : f.number(m.size, at('size'), 'a message size in bytes, 1 to 16384', { integer: true, min: 1, max: 16_384 }),
    background: m.background === undefined ? false : f.boolean(m.background, at('background')),
  };
  if (m.label !== undefined) step.label = f.string(m.label, at('label'));
  if (pattern !== 'broadcast') {
    for (const key of ['authors', 'room'] as const) if (m[key] !== undefined) f.fail(at(key), 'only applies to pattern: broadcast');
  }
  if (pattern === 'broadcast') {
    if (m.pairs !== undefined) f.fail(at('pairs'), 'only applies to pattern: pairs');
    readBroadcast(step, m, path, f, roster);
  } else if (pattern === 'pairs') {
    if (m.pairs === undefined) f.fail(at('pairs'), 'is required when pattern is pairs, e.g. [[0,1],[2,3]]');
    step.pairs = f.list(m.pairs, at('pairs'), '[from, to] peer index pairs').map((pair, i) => {
      const p = join(at('pairs'), i);
      const list = f.list(pair, p, 'two peer indexes [from, to]');
      if (list.length !== 2) f.fail(p, `must be two peer indexes [from, to], got ${shown(pair)}`);
      const [from, to] = [roster.index(list[0], join(p, 0)), roster.index(list[1], join(p, 1))];
      if (from === to) f.fail(p, `a peer cannot send to itself (${from} → ${to})`);
      return [from, to] as [number, number];
    });
  } else if (m.pairs !== undefined) {
    f.fail(at('pairs'), 'only applies to pattern: pairs');
  } else if (roster.size < 2) {
    f.fail(path, `random load needs at least 2 peers started before it (${roster.size} started)`);
  }
  return step;
}

/**
 * `broadcast`: group messages written by `authors` (a number N or `{ random: N }`: N peers
 * picked with the seed; a list of indexes; `all`) to `room` ("everyone" by default).
 */
function readBroadcast(step: LoadStep, m: Record<string, unknown>, path: string, f: Fields, roster: Roster): void {
  const at = (key: string) => join(path, key);
  if (m.authors === undefined) f.fail(at('authors'), 'is required when pattern is broadcast: a number of authors (picked with the seed), { random: N }, a list of peer indexes, or all');
  const raw = typeof m.authors === 'number' ? { random: f.count(m.authors, at('authors'), 'authors') } : m.authors;
  const { peers, pick } = roster.select(raw, at('authors'), 'author');
  step.authors = peers;
  step.authorsPick = pick;
  const room = m.room === undefined ? 'everyone' : f.string(m.room, at('room'));
  const problem = roomProblem(room);
  if (problem) f.fail(at('room'), `${problem}, got ${shown(room)}`);
  step.room = room;
  if (roster.size < 2) f.fail(path, `broadcast load needs at least 2 peers started before it (${roster.size} started)`);
}

function positiveDuration(f: Fields, value: unknown, path: string): number {
  const ms = f.duration(value, path);
  if (ms <= 0) f.fail(path, `must be a duration greater than zero, got ${shown(value)}`);
  return ms;
}

/** A bandwidth (`10mbit`) in bits per second; 0 means no limit. */
function readBandwidth(f: Fields, value: unknown, path: string): number {
  try {
    return parseBandwidth(value);
  } catch (err) {
    f.fail(path, (err as Error).message);
  }
}

/** Loss as a fraction 0..1 or a percentage string ("2%"). */
export function readLoss(f: Fields, value: unknown, path: string): number {
  const pct = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  const n = pct ? Number(pct[1]) / 100 : value;
  return f.number(n, path, 'a loss fraction from 0 to 1, or a percentage like "2%"', { min: 0, max: 1 });
}
