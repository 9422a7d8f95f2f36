import { describe, expect, it } from 'vitest';
import { swarmSettingsFrom } from '../../cli/swarm-options.js';
import { engineFromUrl, parseEngineFlags } from './swarm-engines.js';

describe('--swarm-engine and --swarm-control', () => {
  it('take a unix socket as an engine on this machine and tcp as one over the network', () => {
    expect(engineFromUrl('unix:///run/node2/docker.sock').onThisMachine).toBe(true);
    expect(engineFromUrl('tcp://10.0.0.12:2375').onThisMachine).toBe(false);
    expect(engineFromUrl('tcp://[fd00::12]:2375').onThisMachine).toBe(false);
    expect(parseEngineFlags(['worker1=tcp://10.0.0.12:2375', 'w2 = unix:///run/w2.sock'])).toEqual({ worker1: 'tcp://10.0.0.12:2375', w2: 'unix:///run/w2.sock' });
  });

  it('refuse what is not NODE=URL, an address they cannot use, and a node named twice, saying which', () => {
    expect(() => parseEngineFlags(['tcp://10.0.0.12:2375'])).toThrow(/expected NODE=URL/);
    expect(() => parseEngineFlags(['w1='])).toThrow(/expected NODE=URL/);
    expect(() => parseEngineFlags(['w1=http://10.0.0.12:2375'])).toThrow(/not an engine address.*unix:\/\/\/path/);
    expect(() => parseEngineFlags(['w1=tcp://10.0.0.12:99999'])).toThrow(/not an engine address/);
    expect(() => parseEngineFlags(['w1=unix://relative.sock'])).toThrow(/not an engine address/);
    expect(() => parseEngineFlags(['w1=tcp://a:1', 'w1=tcp://b:2'])).toThrow(/"w1" is named twice/);
  });

  it('are usage errors from the command line, and the control path is one of auto, gateway, published', () => {
    expect(swarmSettingsFrom({ swarmEngine: [] })).toEqual({ engines: {}, control: 'auto' });
    expect(swarmSettingsFrom({ swarmEngine: ['w1=tcp://10.0.0.12:2375'], swarmControl: 'published' })).toEqual({ engines: { w1: 'tcp://10.0.0.12:2375' }, control: 'published' });
    expect(() => swarmSettingsFrom({ swarmEngine: [], swarmControl: 'vip' })).toThrow(/--swarm-control vip: expected one of auto, gateway, published/);
    expect(() => swarmSettingsFrom({ swarmEngine: ['bad'] })).toThrow(expect.objectContaining({ name: expect.stringMatching(/Usage/) }));
  });
});
