import net from 'node:net';
import { LbError } from '@lb/core';

/**
 * Asks the system for a port that is free right now on `host`. Another process could take it before the worker
 * binds; the worker then fails to listen and is restarted on another port, so the race costs a restart, not an
 * outage.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err) =>
      reject(
        new LbError(
          'LB_ERR_LISTEN_FAILED',
          `Cannot find a free port for a worker on ${host}: ${err.message}`,
          {
            cause: err,
          },
        ),
      ),
    );
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The address to connect to for a server bound to `host`: a wildcard bind is reached through loopback. */
export function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}
