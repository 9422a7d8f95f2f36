/**
 * A Consul stand-in: no Consul server can be installed on these machines, so this
 * implements exactly the documented agent HTTP endpoints the peer uses, and nothing
 * else (anything else is a 404, an unknown field a 400, so a client that drifts from
 * the contract fails the tests):
 * - PUT /v1/agent/service/register (ID, Name, Address, Port, Meta, Check with CheckID,
 *   Name, TTL, Status, DeregisterCriticalServiceAfter); Meta limits as Consul's
 *   (64 pairs, keys ≤ 128 characters of A-Z a-z 0-9 _ -, values ≤ 512 characters);
 * - PUT /v1/agent/service/deregister/:service_id;
 * - PUT /v1/agent/check/pass/:check_id (optional `note`);
 * - GET /v1/health/service/:service with `passing`, and blocking `index`/`wait`
 *   (answers at once when the given index is behind, else when the index moves or
 *   `wait` runs out; the X-Consul-Index header on every answer).
 * A TTL check not passed within its TTL turns critical (the service leaves `passing`
 * answers); a service critical for DeregisterCriticalServiceAfter is deregistered.
 * It can go down (close its listener) and come back on the same port, empty, as an
 * agent restarted without its state would.
 * Docs: developer.hashicorp.com/consul/api-docs/agent/service, /agent/check, /health,
 * /features/blocking.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request as the stand-in saw it, for the contract test. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

interface CheckState {
  id: string;
  name: string;
  ttlMs: number;
  status: 'passing' | 'critical';
  deregisterAfterMs: number | undefined;
  ttlTimer?: NodeJS.Timeout;
  deregisterTimer?: NodeJS.Timeout;
}

interface ServiceState {
  id: string;
  name: string;
  address: string;
  port: number;
  meta: Record<string, string>;
  check: CheckState;
}

const SERVICE_FIELDS = new Set(['ID', 'Name', 'Address', 'Port', 'Meta', 'Tags', 'Check']);
const CHECK_FIELDS = new Set(['CheckID', 'Name', 'TTL', 'Status', 'DeregisterCriticalServiceAfter', 'Notes']);
const MAX_WAIT_MS = 10 * 60_000;

/** Go's duration text (`30s`, `1m`, `1m30s`, `250ms`), as Consul takes it; undefined when it is not one. */
export function parseGoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^(\d+(ms|s|m|h))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const [, n, u] of text.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(n) * unit[u!]!;
  return ms;
}

export class ConsulStandIn implements AsyncDisposable {
  readonly requests: RecordedRequest[] = [];
  private readonly services = new Map<string, ServiceState>();
  private index = 1;
  private waiters = new Set<() => void>();
  private server: Server | undefined;

  private constructor(public port: number) {}

  static async start(): Promise<ConsulStandIn> {
    const standIn = new ConsulStandIn(0);
    await standIn.up();
    return standIn;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Ids of the services registered now (passing or not). */
  serviceIds(): string[] {
    return [...this.services.keys()];
  }

  status(serviceId: string): 'passing' | 'critical' | undefined {
    return this.services.get(serviceId)?.check.status;
  }

  /** Goes down: the listener closes and open requests are cut; the state is lost, as with an agent restarted without it. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const service of this.services.values()) this.clearTimers(service.check);
    this.services.clear();
    this.bump();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** Comes (back) up on the same port. */
  async up(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return reply(res, 400, 'Request decode failed: invalid JSON');
    }
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, body });
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if (req.method === 'PUT' && path === '/v1/agent/service/register') return this.register(res, body);
    if (req.method === 'PUT' && (match = /^\/v1\/agent\/service\/deregister\/([^/]+)$/.exec(path))) return this.deregister(res, decodeURIComponent(match[1]!));
    if (req.method === 'PUT' && (match = /^\/v1\/agent\/check\/pass\/([^/]+)$/.exec(path))) return this.pass(res, decodeURIComponent(match[1]!));
    if (req.method === 'GET' && (match = /^\/v1\/health\/service\/([^/]+)$/.exec(path))) return this.health(res, decodeURIComponent(match[1]!), query);
    return reply(res, 404, `stand-in: no such endpoint: ${req.method} ${path}`);
  }

  private register(res: ServerResponse, body: unknown): void {
    const problem = registrationProblem(body);
    if (problem) return reply(res, 400, problem);
    const def = body as { ID?: string; Name: string; Address?: string; Port?: number; Meta?: Record<string, string>; Check: Record<string, unknown> };
    const id = def.ID ?? def.Name;
    const old = this.services.get(id);
    if (old) this.clearTimers(old.check);
    const check: CheckState = {
      id: (def.Check.CheckID as string | undefined) ?? `service:${id}`,
      name: (def.Check.Name as string | undefined) ?? `Service '${def.Name}' check`,
      ttlMs: parseGoDuration(def.Check.TTL)!,
      // Consul's default initial status of a check is critical.
      status: def.Check.Status === 'passing' ? 'passing' : 'critical',
      deregisterAfterMs: parseGoDuration(def.Check.DeregisterCriticalServiceAfter),
    };
    const service: ServiceState = { id, name: def.Name, address: def.Address ?? '', port: def.Port ?? 0, meta: def.Meta ?? {}, check };
    this.services.set(id, service);
    this.arm(service);
    this.bump();
    reply(res, 200, '');
  }

  private deregister(res: ServerResponse, id: string): void {
    const service = this.services.get(id);
    if (!service) return reply(res, 404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    this.remove(service);
    reply(res, 200, '');
  }

  private pass(res: ServerResponse, checkId: string): void {
    const service = [...this.services.values()].find((s) => s.check.id === checkId);
    if (!service) return reply(res, 404, `Unknown check ID "${checkId}"`);
    const changed = service.check.status !== 'passing';
    service.check.status = 'passing';
    this.arm(service);
    if (changed) this.bump();
    reply(res, 200, '');
  }

  private async health(res: ServerResponse, name: string, query: Record<string, string>): Promise<void> {
    const index = query.index === undefined ? 0 : Number(query.index);
    const wait = query.wait === undefined ? 5 * 60_000 : parseGoDuration(query.wait);
    if (!Number.isSafeInteger(index) || index < 0 || wait === undefined) return reply(res, 400, 'Invalid index or wait');
    if (index > 0 && index >= this.index) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(wait, MAX_WAIT_MS));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
        res.once('close', done);
      });
    }
    if (res.destroyed) return;
    const passingOnly = query.passing !== undefined && query.passing !== 'false';
    const entries = [...this.services.values()]
      .filter((s) => s.name === name && (!passingOnly || s.check.status === 'passing'))
      .map((s) => ({
        Node: { Node: 'stand-in', Address: '127.0.0.1' },
        Service: { ID: s.id, Service: s.name, Address: s.address, Port: s.port, Meta: s.meta, Tags: [] },
        Checks: [{ Node: 'stand-in', CheckID: s.check.id, Name: s.check.name, Status: s.check.status, ServiceID: s.id, ServiceName: s.name }],
      }));
    res.setHeader('X-Consul-Index', String(this.index));
    reply(res, 200, JSON.stringify(entries), 'application/json');
  }

  /** (Re)starts a service's TTL: critical when it runs out, deregistered after the critical grace. */
  private arm(service: ServiceState): void {
    const { check } = service;
    this.clearTimers(check);
    if (check.status !== 'passing') return this.armDeregister(service);
    check.ttlTimer = setTimeout(() => {
      check.status = 'critical';
      this.bump();
      this.armDeregister(service);
    }, check.ttlMs).unref();
  }

  private armDeregister(service: ServiceState): void {
    const after = service.check.deregisterAfterMs;
    if (after !== undefined) service.check.deregisterTimer = setTimeout(() => this.remove(service), after).unref();
  }

  private remove(service: ServiceState): void {
    this.clearTimers(service.check);
    if (this.services.get(service.id) === service) this.services.delete(service.id);
    this.bump();
  }

  private clearTimers(check: CheckState): void {
    clearTimeout(check.ttlTimer);
    clearTimeout(check.deregisterTimer);
  }

  private bump(): void {
    this.index++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }
}

function reply(res: ServerResponse, status: number, text: string, type = 'text/plain'): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': type });
  res.end(text);
}

/** What Consul would refuse in a registration of the shape the peer sends, or undefined. */
export function registrationProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'Request decode failed: not an object';
  const def = body as Record<string, unknown>;
  const unknown = Object.keys(def).find((k) => !SERVICE_FIELDS.has(k));
  if (unknown) return `Request decode failed: json: unknown field "${unknown}"`;
  if (typeof def.Name !== 'string' || def.Name === '') return 'Missing service name';
  if (def.ID !== undefined && typeof def.ID !== 'string') return 'Invalid ID';
  if (def.Address !== undefined && typeof def.Address !== 'string') return 'Invalid Address';
  if (def.Port !== undefined && (!Number.isInteger(def.Port) || (def.Port as number) < 0 || (def.Port as number) > 65535)) return 'Invalid Port';
  if (def.Meta !== undefined) {
    if (typeof def.Meta !== 'object' || def.Meta === null) return 'Invalid Meta';
    const pairs = Object.entries(def.Meta as Record<string, unknown>);
    if (pairs.length > 64) return 'Invalid Meta: Node metadata cannot contain more than 64 key/value pairs';
    for (const [key, value] of pairs) {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(key)) return `Invalid Meta: Key is too long or contains invalid characters: ${key}`;
      if (typeof value !== 'string' || value.length > 512) return `Invalid Meta: Value is too long (limit: 512 characters): ${key}`;
    }
  }
  if (typeof def.Check !== 'object' || def.Check === null) return 'stand-in: only services with a TTL Check are supported';
  const check = def.Check as Record<string, unknown>;
  const unknownCheck = Object.keys(check).find((k) => !CHECK_FIELDS.has(k));
  if (unknownCheck) return `Request decode failed: json: unknown field "Check.${unknownCheck}"`;
  if (parseGoDuration(check.TTL) === undefined) return 'Invalid check: TTL must be a duration';
  if (check.Status !== undefined && !['passing', 'warning', 'critical'].includes(check.Status as string)) return 'Invalid check status';
  if (check.DeregisterCriticalServiceAfter !== undefined && parseGoDuration(check.DeregisterCriticalServiceAfter) === undefined) {
    return 'Invalid check: DeregisterCriticalServiceAfter must be a duration';
  }
  return undefined;
}
