/**
 * Live updates for the page: every peer event as a Server-Sent Event at `./events`
 * (plain HTTP, so any reverse proxy carries it, and the browser's EventSource
 * reconnects by itself). Each event is one `data:` line of JSON; JSON escapes
 * every line break, so a remote's text can never start a field of its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PeerEvent } from '../events.js';
import type { Peer } from '../peer.js';
import { HttpError } from './web-response.js';

export interface LiveEventsOptions {
  /** Streams open at once; one more is refused (503). */
  maxStreams: number;
  /** A comment line this often keeps idle proxies from closing the stream. */
  heartbeatMs: number;
  /** Bytes queued for one stream before it is cut off (a reader that stopped reading). */
  maxBufferedBytes: number;
}

export const DEFAULT_LIVE_EVENTS: LiveEventsOptions = { maxStreams: 32, heartbeatMs: 15_000, maxBufferedBytes: 1 << 20 };

export class LiveEvents {
  private readonly streams = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly listener = (event: PeerEvent) => this.broadcast(`data: ${JSON.stringify(event)}\n\n`);

  constructor(
    private readonly peer: Peer,
    private readonly options: LiveEventsOptions = DEFAULT_LIVE_EVENTS,
  ) {
    peer.events.on('event', this.listener);
    this.heartbeat = setInterval(() => this.broadcast(': keepalive\n\n'), options.heartbeatMs).unref();
  }

  /** Turns the response into an event stream: a `hello` first (subscribed from here on), then the startup problems, then every event. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= this.options.maxStreams) {
      throw new HttpError(503, 'too_many_streams', `${this.streams.size} event streams are open, the limit; close another tab`, { 'Retry-After': '5' });
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // Tells nginx-style proxies not to hold events back.
      'X-Accel-Buffering': 'no',
    });
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
    res.write(`retry: 2000\ndata: ${JSON.stringify({ type: 'hello' })}\n\n`);
    for (const event of this.peer.startupEvents) res.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  /** Ends every stream and stops listening. */
  close(): void {
    clearInterval(this.heartbeat);
    this.peer.events.off('event', this.listener);
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private broadcast(chunk: string): void {
    for (const res of this.streams) {
      if (res.writableLength > this.options.maxBufferedBytes) {
        this.streams.delete(res);
        res.destroy();
        continue;
      }
      res.write(chunk);
    }
  }
}
