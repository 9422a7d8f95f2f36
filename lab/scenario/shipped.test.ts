import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario } from './parse.js';

const dir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

describe('shipped scenarios', () => {
  it('exist, including the five the lab documents', () => {
    expect(files).toEqual(expect.arrayContaining(['smoke.yaml', 'discovery.yaml', 'key-exchange.yaml', 'throughput.yaml', 'churn.yaml']));
  });

  it.each(files)('%s validates, takes its peer count as param "peers", and has SLOs', async (file) => {
    const [scenario, ...rest] = await loadScenario(`${dir}${file}`, {});
    expect(rest).toHaveLength(0);
    expect(scenario!.params.peers).toEqual(expect.any(Number));
    expect(scenario!.slos.length).toBeGreaterThan(0);
    const [bigger] = await loadScenario(`${dir}${file}`, { peers: '12' });
    // The first step brings up the peers: started, or users logging in (dispatcher.yaml).
    const first = bigger!.steps[0]!;
    expect(first.kind === 'login' ? first.users : first).toEqual(first.kind === 'login' ? 12 : expect.objectContaining({ kind: 'start', count: 12 }));
  });

  it('smoke runs for under 30 s even with every wait_for hitting its timeout', async () => {
    const [smoke] = await loadScenario(`${dir}smoke.yaml`, {});
    const worst = smoke!.steps.reduce((ms, s) => ms + ('timeoutMs' in s ? s.timeoutMs : 'durationMs' in s ? s.durationMs : 0), 0);
    expect(worst).toBeLessThanOrEqual(30_000);
  });

  it('throughput ramps up through labelled load steps', async () => {
    const [t] = await loadScenario(`${dir}throughput.yaml`, {});
    const loads = t!.steps.filter((s) => s.kind === 'load');
    expect(loads.length).toBeGreaterThanOrEqual(3);
    expect(loads.every((s) => s.label)).toBe(true);
    const rates = loads.map((s) => (s.kind === 'load' ? s.rate : 0));
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
  });

  it('churn kills and restarts the same seeded peers under background load and requires every message', async () => {
    const [c] = await loadScenario(`${dir}churn.yaml`, {});
    const [again] = await loadScenario(`${dir}churn.yaml`, {});
    expect(c!.steps).toEqual(again!.steps);
    const killed = c!.steps.filter((s) => s.kind === 'kill' || s.kind === 'stop').flatMap((s) => ('peers' in s ? s.peers : []));
    const restarted = c!.steps.filter((s) => s.kind === 'restart').flatMap((s) => ('peers' in s ? s.peers : []));
    expect(restarted.sort()).toEqual(killed.sort());
    expect(c!.steps.some((s) => s.kind === 'load' && s.background)).toBe(true);
    expect(c!.steps.at(-1)).toMatchObject({ kind: 'wait_for', condition: 'delivered' });
    expect(c!.slos.map((s) => s.text)).toContain('delivery_ratio == 1');
  });
});
