import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP backend on one loopback address that answers with that address. `/slow` requests wait until
 * {@link TestBackend.release} so a test can hold requests in flight.
 */
export class TestBackend {
  readonly hits: string[] = [];
  private readonly held: ServerResponse[] = [];
  private readonly server: Server;

  private constructor(readonly host: string) {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.hits.push(req.url ?? '');
      this.server.emit('hit', req.url);
      if (req.url === '/slow') {
        this.held.push(res);
        return;
      }
      res.end(host);
    });
    // Close keep-alive connections promptly so `close()` does not wait on the balancer's idle pool.
    this.server.keepAliveTimeout = 500;
  }

  /** Starts a backend on `host:port` (`port` 0 picks one). */
  static async start(host: string, port = 0): Promise<TestBackend> {
    const backend = new TestBackend(host);
    backend.server.listen(port, host);
    await once(backend.server, 'listening');
    return backend;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves at the next request to `url`. */
  async nextHit(url: string): Promise<void> {
    for (;;) {
      const [hit] = (await once(this.server, 'hit')) as [string];
      if (hit === url) return;
    }
  }

  /** Answers every held `/slow` request. */
  release(): void {
    for (const res of this.held.splice(0)) res.end(this.host);
  }

  async close(): Promise<void> {
    this.release();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

/**
 * Starts one backend per host, all on the same port (a DNS name gives addresses, not ports): `port`, or one
 * picked for the first host.
 */
export async function startBackends(hosts: readonly string[], port = 0): Promise<TestBackend[]> {
  const [first, ...rest] = hosts;
  if (first === undefined) return [];
  const head = await TestBackend.start(first, port);
  return [head, ...(await Promise.all(rest.map((h) => TestBackend.start(h, head.port))))];
}

/** GETs `path` through the balancer on a fresh connection; resolves with the status and body. */
export function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
