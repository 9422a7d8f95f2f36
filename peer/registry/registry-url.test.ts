import { describe, expect, it } from 'vitest';
import { announcementFromMeta, announcementMeta } from './consul-entry.js';
import { parseRegistryUrl } from './registry-url.js';

describe('--registry URLs', () => {
  it('parses etcd with and without a prefix, and consul', () => {
    expect(parseRegistryUrl('etcd://127.0.0.1:2379')).toEqual({ kind: 'etcd', host: '127.0.0.1', port: 2379, prefix: '/peerlab' });
    expect(parseRegistryUrl('etcd://etcd:2379/lab/run-1/')).toEqual({ kind: 'etcd', host: 'etcd', port: 2379, prefix: '/lab/run-1' });
    expect(parseRegistryUrl('consul://[::1]:8500')).toEqual({ kind: 'consul', host: '::1', port: 8500 });
  });

  it('says what is wrong, naming the value', () => {
    expect(parseRegistryUrl('zk://h:1')).toEqual({ problem: expect.stringContaining('"zk://h:1"') });
    expect(parseRegistryUrl('etcd://h')).toEqual({ problem: expect.stringContaining('expected host:port') });
    expect(parseRegistryUrl('etcd://h:1/a b')).toEqual({ problem: expect.stringContaining('prefix') });
    expect(parseRegistryUrl('consul://h:8500/x')).toEqual({ problem: expect.stringContaining('no path') });
  });
});

describe('announcements in Consul Meta', () => {
  it('round-trips in chunks of at most 512 characters', () => {
    const packet = Buffer.alloc(1200, 7);
    const meta = announcementMeta(packet);
    expect(Object.values(meta).every((v) => v.length <= 512)).toBe(true);
    expect(announcementFromMeta(meta)).toEqual(packet);
  });

  it('refuses Meta of any other shape, never throwing', () => {
    expect(announcementFromMeta(undefined)).toBeUndefined();
    expect(announcementFromMeta({})).toBeUndefined();
    expect(announcementFromMeta({ announcement_0: 42 })).toBeUndefined();
    expect(announcementFromMeta({ announcement_0: '!!' })).toBeUndefined();
    const tooMany = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`announcement_${i}`, 'AAAA']));
    expect(announcementFromMeta(tooMany)).toBeUndefined();
  });
});
