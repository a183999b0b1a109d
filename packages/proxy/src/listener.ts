import { createServer as createHttpServer, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ResolvedProxyOptions } from './resolveOptions.js';

/**
 * Creates the client-facing server with strict parsing and the slow-client guards: a client must send its
 * headers within `headersTimeout` and its whole request within `requestTimeout` (408 otherwise), idle keep-alive
 * connections close after `keepAliveTimeout`, and headers above `maxHeaderSize` get 431. With `tls` set it
 * serves HTTPS.
 */
export function createListener(options: ResolvedProxyOptions): Server {
  const { headersTimeout, requestTimeout } = options;
  const shortest = Math.min(...[headersTimeout, requestTimeout].filter((t) => t > 0), 30_000);
  const serverOptions: ServerOptions = {
    insecureHTTPParser: false,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    maxHeaderSize: options.maxHeaderSize,
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    noDelay: true,
    // Node checks header and request deadlines on this interval; make it fine enough for the timeouts set.
    connectionsCheckingInterval: Math.max(50, Math.floor(shortest / 4)),
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, key: pem(options.tls.key), cert: pem(options.tls.cert) })
    : createHttpServer(serverOptions);
  return server;
}

function pem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
