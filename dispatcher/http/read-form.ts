/** Reading a small urlencoded form body, with limits on size and type. */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './respond.js';

/** A login or logout form is a few hundred bytes; this leaves room for a 1 KiB password, urlencoded. */
export const MAX_FORM_BYTES = 8 * 1024;

/** Reads an `application/x-www-form-urlencoded` body of at most `maxBytes`. */
export async function readForm(req: IncomingMessage, maxBytes = MAX_FORM_BYTES): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, `expected a form (application/x-www-form-urlencoded), got ${JSON.stringify(type.slice(0, 60) || 'no content type')}`);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpError(413, `the form is ${declared} bytes; at most ${maxBytes} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `the form is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Drains (and discards) a request body we do not read, up to `maxBytes`, so the connection can be reused. */
export async function discardBody(req: IncomingMessage, maxBytes = MAX_FORM_BYTES): Promise<void> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `the request body is over ${maxBytes} bytes`);
  }
}
