import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.js';
import { StepSchedule } from './schedule.js';

/** A clock the test moves by hand. */
function manualClock(start = 0) {
  let now = start;
  const after = (): (() => void) => {
    throw new Error('this test moves the clock itself: no step should wait on a timer');
  };
  return { now: () => now, advance: (ms: number) => (now += ms), after };
}

const [scenario] = parseScenario(
  `name: s
steps:
  - start: { count: 3 }
  - wait_for: { condition: discovered, timeout: 10s }
  - load: { rate: 10, duration: 40s, background: true }
  - sleep: { duration: 5s }
  - kill: { peers: [1] }
  - sleep: { duration: 3s }
  - restart: { peers: [1] }
  - sleep: { duration: 5s }
  - kill: { peers: [2] }
  - load: { rate: 10, duration: 2s }
  - stop: { peers: [0] }
`,
  's.yaml',
);
const step = (i: number) => scenario!.steps[i]!;

describe('StepSchedule', () => {
  it('keeps faults at their scheduled offsets however long the steps before them took', async () => {
    const clock = manualClock(0);
    const schedule = new StepSchedule(clock);
    const never = new AbortController().signal;
    const due: number[] = [];
    // start and wait_for take as long as they take: the schedule restarts after them.
    clock.advance(1_234);
    schedule.stepEnded(step(0));
    clock.advance(766);
    schedule.stepEnded(step(1));
    due.push(schedule.due); // load (background): no scheduled time of its own
    schedule.stepEnded(step(2));
    clock.advance(5_000); // the sleep's time passes (a real sleep waits until it is due)
    await schedule.sleep(5_000, never);
    due.push(schedule.due); // kill
    clock.advance(300); // the kill took 300 ms ...
    schedule.stepEnded(step(4));
    clock.advance(2_700);
    await schedule.sleep(3_000, never); // ... and comes off the 3 s sleep
    due.push(schedule.due); // restart
    clock.advance(1_100); // a slow restart
    schedule.stepEnded(step(6));
    clock.advance(3_900);
    await schedule.sleep(5_000, never);
    due.push(schedule.due); // kill: still 5 s after the restart was due, not 6.1 s
    schedule.stepEnded(step(8));
    due.push(schedule.due); // foreground load
    clock.advance(2_000);
    schedule.stepEnded(step(9));
    due.push(schedule.due); // stop: when the load's schedule ended
    expect(due).toEqual([2_000, 7_000, 10_000, 15_000, 15_000, 17_000]);
  });

  it('resolves a sleep at once when its time has already passed (the step before overran)', async () => {
    const clock = manualClock(0);
    const schedule = new StepSchedule(clock);
    clock.advance(9_000);
    // An aborted signal: any wait at all would reject.
    const aborted = AbortSignal.abort(new Error('waited'));
    await expect(schedule.sleep(5_000, aborted)).resolves.toBeUndefined();
    expect(schedule.due).toBe(5_000);
    await expect(schedule.sleep(5_000, aborted)).rejects.toThrow('waited');
  });
});
