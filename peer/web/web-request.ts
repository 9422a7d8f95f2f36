/**
 * Checks on what a browser (or anyone) sends the web UI, before any work: the
 * same-origin rule for POSTs, JSON bodies of bounded size, fields of the right
 * type and within the control API's limits (control/request-limits.ts).
 */
import type { IncomingMessage } from 'node:http';
import { quote } from '../limits.js';
import { requestProblem, type ControlMethod } from '../control/request-limits.js';
import type { Credential } from './web-auth.js';
import { HttpError } from './web-response.js';

/** Most entries a history request may ask for (as the CLI and the control API). */
export const MAX_HISTORY_LIMIT = 10_000;

/**
 * A POST must come from the page itself. Browsers send `Origin` with every POST: it must
 * name this server, as the browser reached it (`Host`, or `X-Forwarded-Host` when a proxy
 * such as the dispatcher sits in front). A request without one is a script, not a page,
 * and is taken only with the bearer token, which no browser sends by itself.
 */
export function checkSameOrigin(req: IncomingMessage, credential: Credential): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, 'cross_origin', `a POST must come from this page (Sec-Fetch-Site is ${quote(site)})`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) {
    if (credential === 'bearer') return;
    throw new HttpError(403, 'cross_origin', 'a POST from a browser must carry an Origin header naming this server');
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'cross_origin', `Origin ${quote(origin)} is not this server`);
  }
  const forwarded = req.headers['x-forwarded-host'];
  const forwardedHost = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  if (host !== '' && (host === req.headers.host || host === forwardedHost)) return;
  throw new HttpError(403, 'cross_origin', `Origin ${quote(origin)} is not this server`);
}

/** Reads a JSON object body of at most `limitBytes`; 415 for another type, 413 when larger, 400 when not an object. */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', `the body must be application/json, got ${quote(type || '(no Content-Type)')}`);
  }
  const tooLarge = (bytes: string) =>
    new HttpError(413, 'payload_too_large', `the body is ${bytes} bytes, over the limit of ${limitBytes}`, { Connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(String(declared));
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Not `for await`: leaving that loop destroys the socket, and the 413 would never arrive.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      // Read on into nothing: the answer says Connection: close, so the socket goes once it is out.
      req.resume();
      reject(tooLarge(`more than ${limitBytes}`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'bad_json', `the body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'bad_request', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * The string fields a request must have (no others), each within its control API limit
 * (`method` names the limits); 400 naming the field otherwise.
 */
export function stringFields<K extends string>(input: Record<string, unknown>, method: ControlMethod, names: readonly K[]): Record<K, string> {
  for (const key of Object.keys(input)) {
    if (!(names as readonly string[]).includes(key)) throw new HttpError(400, 'bad_request', `unknown field ${quote(key)}; expected ${names.join(', ')}`);
  }
  const fields = {} as Record<K, string>;
  for (const name of names) {
    const value = input[name];
    if (typeof value !== 'string') throw new HttpError(400, 'bad_request', `field ${quote(name)} must be a string, got ${value === undefined ? 'nothing' : typeof value}`);
    fields[name] = value;
  }
  const problem = requestProblem(method, fields);
  if (problem) throw new HttpError(400, 'field_too_long', problem);
  return fields;
}

/** The `limit` query parameter: a whole number from 1 to MAX_HISTORY_LIMIT, 100 when absent. */
export function historyLimit(text: string | null): number {
  if (text === null) return 100;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw new HttpError(400, 'bad_request', `limit must be a whole number from 1 to ${MAX_HISTORY_LIMIT}, got ${quote(text)}`);
  }
  return limit;
}
