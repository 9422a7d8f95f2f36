/**
 * A tiny reverse proxy, as the dispatcher puts in front of a peer's web UI:
 * `/u/NAME/...` goes to that peer's UI with the prefix cut off, the bearer token
 * added and X-Forwarded-Host set; responses (event streams included) are piped back.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PrefixProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly origin: string;
}

/** Proxies `/u/NAME/` to each route's `http://127.0.0.1:webPort/` with its token. */
export async function startPrefixProxy(routes: Record<string, { webPort: number; token: string }>): Promise<PrefixProxy> {
  const server: Server = createServer((req, res) => {
    const match = /^\/u\/([^/]+)(\/.*)$/.exec(req.url ?? '');
    const route = match && routes[match[1]!];
    if (!match || !route) {
      res.writeHead(404).end();
      return;
    }
    // As a proxy that rewrites Host does: the peer must take the page's origin from X-Forwarded-Host.
    const headers = { ...req.headers, host: `127.0.0.1:${route.webPort}`, authorization: `Bearer ${route.token}`, 'x-forwarded-host': req.headers.host ?? '' };
    const upstream = request({ host: '127.0.0.1', port: route.webPort, path: match[2], method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { origin, [Symbol.asyncDispose]: close };
}
