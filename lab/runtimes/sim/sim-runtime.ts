/**
 * The `sim` runtime: every peer a real PeerCore in this process, on virtual time, a
 * simulated network and in-memory stores; one seeded PRNG for everything. The
 * orchestrator drives it as it drives real peers (StartedPeer, control API, network
 * faults), timed by its clock. See README.md beside this file.
 */
import { performance } from 'node:perf_hooks';
import { parsePeerArgs } from '../../../peer/cli/peer-flags.js';
import type { PeerCoreOptions } from '../../../peer/core/peer-core.js';
import { parseHostPort } from '../../../peer/options.js';
import { coreOptions } from '../../../peer/peer.js';
import { seededRandom } from '../../scenario/random.js';
import type { PeerFaultKind, StepKind } from '../../scenario/types.js';
import { LabError } from '../errors.js';
import { labPeerArgs } from '../peer-args.js';
import type { PeerSpec, Runtime, SimulationReport, StartedPeer } from '../runtime.js';
import { CpuMeter, measureCpuRates, type CpuRates } from './cpu-model.js';
import { simCrypto, type CryptoRule } from './sim-crypto.js';
import { SimLoop } from './sim-loop.js';
import { SimNetFaults } from './sim-net-faults.js';
import { DEFAULT_NETWORK, SimNetwork, type NetworkProfile } from './sim-network.js';
import { SimPeer, type SimHost } from './sim-peer.js';
import { plantedBugFrom } from './planted-bug.js';
import { SimWorld } from './sim-world.js';

/** Peers up to which crypto is really computed; above it, modelled (see sim-crypto.ts). */
export const DEFAULT_COMPUTED_CRYPTO_UP_TO = 200;
/** Virtual ms a store write takes: an append the OS acknowledges (the real peer's group commit is about this). */
export const DEFAULT_STORE_DELAY_MS = 0.5;

const UNSAMPLED =
  'memory and CPU are not sampled per peer on the simulator: every peer shares one process, so a per-peer reading would be invented; the CPU model’s busy share per peer is in the simulation section';

export interface SimRuntimeOptions {
  /** Seeds the run's one PRNG: keys, the cores' randomness, the network. */
  seed: number;
  /** How many peers the run will have (decides the crypto rule); unknown: computed until more start. */
  peers?: number;
  /** The network's base profile; DEFAULT_NETWORK when not given. */
  network?: NetworkProfile;
  /** Crypto is computed up to this many peers, modelled above. */
  computedCryptoUpTo?: number;
  /** CPU rates to use instead of measuring them (to replay a run exactly). */
  cpuRates?: CpuRates;
  storeDelayMs?: number;
}

export class SimRuntime implements Runtime, SimHost {
  readonly name = 'sim';
  readonly mechanisms: Readonly<Record<PeerFaultKind, string>> = {
    kill: 'simulated crash (state in memory kept, everything in flight lost)',
    stop: 'simulated graceful stop (sessions closed)',
    restart: 'same identity and stores, new core',
    pause: 'simulated SIGSTOP (events held until unpause)',
    unpause: 'simulated SIGCONT',
  };
  readonly unsampled = UNSAMPLED;
  readonly loop = new SimLoop();
  readonly world: SimWorld;
  readonly networkFaults: SimNetFaults;
  readonly rule: CryptoRule;
  private readonly optionsCache = new Map<string, PeerCoreOptions>();
  private readonly startedWall = performance.now();
  /** When the last peer went down (the run's end): virtual and wall. */
  private ended: { virtual: number; wall: number } | undefined;
  private firstStart: number | undefined;
  private closed = false;

  private constructor(
    private readonly options: Required<Omit<SimRuntimeOptions, 'peers' | 'network'>> & { network: NetworkProfile; networkSource: 'scenario' | 'default' },
    readonly rates: { rates: CpuRates; source: 'measured' | 'given' },
    peers: number | undefined,
  ) {
    const random = seededRandom(options.seed);
    const meter = new CpuMeter(rates.rates);
    this.rule = (peers ?? 0) > options.computedCryptoUpTo ? 'modelled' : 'computed';
    const network = new SimNetwork(options.network, random);
    const plantedBug = plantedBugFrom();
    this.world = new SimWorld({ loop: this.loop, network, crypto: simCrypto(this.rule, random, meter), meter, random, storeDelayMs: options.storeDelayMs, ...(plantedBug ? { plantedBug } : {}) });
    this.networkFaults = new SimNetFaults(this.world, network);
    this.loop.start();
  }

  /** Makes a simulated world; measures the CPU rates (~0.25 s) unless given. */
  static async create(options: SimRuntimeOptions): Promise<SimRuntime> {
    const rates = options.cpuRates ? { rates: options.cpuRates, source: 'given' as const } : { rates: measureCpuRates(), source: 'measured' as const };
    return new SimRuntime(
      {
        seed: options.seed,
        network: options.network ?? DEFAULT_NETWORK,
        networkSource: options.network ? 'scenario' : 'default',
        computedCryptoUpTo: options.computedCryptoUpTo ?? DEFAULT_COMPUTED_CRYPTO_UP_TO,
        cpuRates: rates.rates,
        storeDelayMs: options.storeDelayMs ?? DEFAULT_STORE_DELAY_MS,
      },
      rates,
      options.peers,
    );
  }

  get clock(): SimLoop {
    return this.loop;
  }

  unsupported(_kind: StepKind): string | undefined {
    return undefined;
  }

  async start(spec: PeerSpec): Promise<StartedPeer> {
    if (this.closed) throw new LabError(`the simulation is closed: cannot start ${spec.name}`);
    const node = this.world.add(spec.name, this.coreOptionsFor(spec));
    await this.inLoop(() => {
      this.firstStart ??= performance.now();
      this.world.start(node);
    });
    return new SimPeer(this, node);
  }

  inLoop<T>(fn: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.loop.at(this.loop.now(), () => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
        this.noteEnd();
        this.loop.touch();
      });
    });
  }

  verifyCeiling(): { perS: number; sampleMs: number } {
    return { perS: this.rates.rates.verifyPerS, sampleMs: 0 };
  }

  describeRun(): SimulationReport {
    const end = this.ended ?? { virtual: this.loop.now(), wall: performance.now() };
    const wallMs = end.wall - (this.firstStart ?? this.startedWall);
    const busy = this.world.nodes.map((n) => this.world.busyPercent(n));
    const { rates } = this.rates;
    const profile = this.options.network;
    return {
      simulated: true,
      seed: this.options.seed,
      virtual_ms: round(end.virtual, 3),
      wall_ms: round(wallMs, 1),
      speedup: wallMs > 0 ? round(end.virtual / wallMs, 2) : 0,
      peers: this.world.nodes.length,
      crypto: {
        rule: this.rule,
        computed_up_to: this.options.computedCryptoUpTo,
        note:
          this.rule === 'computed'
            ? 'Ed25519, X25519 and HKDF computed with node:crypto, keys drawn from the seed'
            : 'modelled: a signature is a token only its key’s owner can make (a forged or altered message stays forged); X25519 a hash of both keys; costs from the CPU model',
      },
      cpu_model: {
        source: this.rates.source,
        ed25519_sign_per_s: rates.signPerS,
        ed25519_verify_per_s: rates.verifyPerS,
        x25519_per_s: rates.x25519PerS,
        aead_mb_per_s: round(rates.aeadBytesPerS / 1e6, 2),
      },
      network: {
        latency_ms: profile.latencyMs,
        jitter_ms: profile.jitterMs,
        loss: profile.loss,
        source: this.options.networkSource,
        note: 'every packet: latency ± jitter (uniform), lost with `loss` (announcements dropped, stream packets +200 ms); link steps add per-sender shapes',
      },
      store_delay_ms: this.options.storeDelayMs,
      cpu_busy_percent: { mean: round(busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length), 2), max: round(Math.max(0, ...busy), 2) },
      resources_note: UNSAMPLED,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.killAllNow();
    this.closed = true;
    await this.loop.close();
  }

  killAllNow(): void {
    for (const node of this.world.nodes) this.world.kill(node);
    this.noteEnd();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Records the end of the run the first time no peer is up any more. */
  private noteEnd(): void {
    if (this.firstStart === undefined || this.world.nodes.some((n) => n.state !== 'down')) {
      this.ended = undefined;
      return;
    }
    this.ended ??= { virtual: this.loop.now(), wall: performance.now() };
  }

  /** The core settings a spec gives, as `peerlab peer` would parse them from the lab's arguments (parsed once per settings). */
  private coreOptionsFor(spec: PeerSpec): PeerCoreOptions {
    const key = JSON.stringify([spec.settings, spec.connectOnDiscovery ?? false]);
    let base = this.optionsCache.get(key);
    if (!base) {
      const options = parsePeerArgs(['--name', 'p0', ...labPeerArgs(spec.settings, spec.connectOnDiscovery)]);
      base = coreOptions(options, options.seeds.map((seed) => parseHostPort(seed)));
      this.optionsCache.set(key, base);
    }
    return { ...base, name: spec.name };
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
