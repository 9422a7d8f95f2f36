import type { LoginStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import { LoginFleet } from '../logins/login-fleet.js';
import { launchPeer } from '../peer-life.js';
import type { StepResult } from './step-result.js';

/**
 * `login`: a spawner and a warm pool of `pool` peers (filled first), then `users` users
 * log in at once; each one's login → ready time is a `login` event, and their peers join
 * the run as `p<index>` (the user names).
 */
export async function loginStep(step: LoginStep, ctx: RunContext): Promise<StepResult> {
  const fleet = await LoginFleet.create({ spawner: step.spawner, pool: step.pool, settings: ctx.scenario.peer, connectOnDiscovery: ctx.connectOnDiscovery });
  ctx.closers.push(() => fleet.close());
  const slots = Array.from({ length: step.users }, () => ctx.fleet.add());
  const login = async (user: string) => {
    const done = await fleet.login(user);
    ctx.recorder.emit({ type: 'login', peer: user, ms: done.ms, fromPool: done.fromPool, spawner: step.spawner, pool: step.pool });
    return done.peer;
  };
  // allSettled: a login that fails must not leave the others starting unwatched.
  const results = await Promise.allSettled(slots.map((slot) => launchPeer(ctx, slot, () => login(slot.name), false)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { detail: { users: step.users, spawner: step.spawner, pool: step.pool } };
}
