import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Test backends on free loopback ports, each answering `name`, its method and the body it received. */
export async function startBackends(
  names: readonly string[],
): Promise<{ ports: number[]; close(): Promise<void> }> {
  const servers = names.map((name) =>
    http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => res.end(JSON.stringify({ name, method: req.method, url: req.url, body })));
    }),
  );
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  return {
    ports: servers.map((s) => (s.address() as AddressInfo).port),
    async close() {
      await Promise.all(
        servers.map((s) => {
          s.closeAllConnections();
          return new Promise<void>((resolve) => s.close(() => resolve()));
        }),
      );
    },
  };
}
