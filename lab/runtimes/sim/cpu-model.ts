/**
 * The simulator's CPU model: a virtual cost for each operation that dominates a peer's
 * CPU (Ed25519 sign and verify, X25519, AEAD per byte), from rates measured on this
 * machine when the run starts. A peer that is busy computing does not handle its next
 * event until it is done, so a peer's ingest limit shows in virtual time. The rest of a
 * peer's work (protobuf, JavaScript) is not modelled: the model is a lower bound.
 */
import { createCipheriv, diffieHellman, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Operations per second on one core (AEAD in bytes per second). */
export interface CpuRates {
  signPerS: number;
  verifyPerS: number;
  x25519PerS: number;
  aeadBytesPerS: number;
}

/** Where a run's rates came from. */
export interface MeasuredRates {
  rates: CpuRates;
  source: 'measured' | 'given';
}

/** Bytes signed in the measurement: about a group message body with a 256-byte text. */
const SIGNED_BYTES = 360;
/** Bytes per sealed frame in the measurement: a frame of a few items. */
const FRAME_BYTES = 1024;

/** Operations per second of `op`, run in batches for about `ms`. */
function rate(op: () => void, ms: number): number {
  for (let i = 0; i < 20; i++) op(); // warm up: key parsing, JIT
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 20; i++) op();
    count += 20;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

/** Measures the four rates on this machine (about 0.25 s of one core). */
export function measureCpuRates(): CpuRates {
  const ed = generateKeyPairSync('ed25519');
  const body = Buffer.alloc(SIGNED_BYTES, 7);
  const signature = sign(null, body, ed.privateKey);
  const a = generateKeyPairSync('x25519');
  const b = generateKeyPairSync('x25519');
  const key = randomBytes(32);
  const iv = Buffer.alloc(12);
  const frame = Buffer.alloc(FRAME_BYTES, 1);
  const seal = () => {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.update(frame);
    cipher.final();
    cipher.getAuthTag();
  };
  return {
    signPerS: Math.round(rate(() => sign(null, body, ed.privateKey), 50)),
    verifyPerS: Math.round(rate(() => verify(null, body, ed.publicKey, signature), 100)),
    x25519PerS: Math.round(rate(() => diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }), 50)),
    // To 10 kB/s, as formatCpuRates prints it: the printed rates replay a run exactly.
    aeadBytesPerS: Math.round((rate(seal, 50) * FRAME_BYTES) / 1e4) * 1e4,
  };
}

/** Parses `sign=14000,verify=4900,x25519=17000,aead_mb=300` (every rate, per second). */
export function parseCpuRates(text: string): CpuRates {
  const fields: Record<string, keyof CpuRates> = { sign: 'signPerS', verify: 'verifyPerS', x25519: 'x25519PerS', aead_mb: 'aeadBytesPerS' };
  const rates: Partial<CpuRates> = {};
  for (const part of text.split(',')) {
    const [name = '', value = ''] = part.split('=').map((s) => s.trim());
    const field = fields[name];
    const n = Number(value);
    if (!field) throw new RangeError(`CPU rate "${name}" is not one of ${Object.keys(fields).join(', ')}`);
    if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`CPU rate ${name}=${value} must be a positive number`);
    rates[field] = field === 'aeadBytesPerS' ? Math.round(n * 1e6) : n;
  }
  const missing = Object.entries(fields).filter(([, f]) => rates[f] === undefined).map(([n]) => n);
  if (missing.length) throw new RangeError(`CPU rates need every one of ${Object.keys(fields).join(', ')}; missing ${missing.join(', ')}`);
  return rates as CpuRates;
}

/** The rates as `parseCpuRates` reads them, for a command that reproduces a run. */
export function formatCpuRates(rates: CpuRates): string {
  return `sign=${rates.signPerS},verify=${rates.verifyPerS},x25519=${rates.x25519PerS},aead_mb=${Math.round(rates.aeadBytesPerS / 1e4) / 100}`;
}

/** Counts the costly operations of one core call; the simulator turns them into virtual time. */
export class CpuMeter {
  signs = 0;
  verifies = 0;
  x25519s = 0;
  aeadBytes = 0;
  private readonly msPerSign: number;
  private readonly msPerVerify: number;
  private readonly msPerX25519: number;
  private readonly msPerAeadByte: number;

  constructor(readonly rates: CpuRates) {
    this.msPerSign = 1000 / rates.signPerS;
    this.msPerVerify = 1000 / rates.verifyPerS;
    this.msPerX25519 = 1000 / rates.x25519PerS;
    this.msPerAeadByte = 1000 / rates.aeadBytesPerS;
  }

  reset(): void {
    this.signs = this.verifies = this.x25519s = this.aeadBytes = 0;
  }

  /** Virtual milliseconds of what was counted since `reset`. */
  costMs(): number {
    return this.signs * this.msPerSign + this.verifies * this.msPerVerify + this.x25519s * this.msPerX25519 + this.aeadBytes * this.msPerAeadByte;
  }
}
