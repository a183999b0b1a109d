import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import type { Backend, BackendId } from '@lb/core';
import { LoadBalancer, type LoadBalancerConfig, TcpLoadBalancer } from '../../src/index.js';

/** One balancer of either kind, as the contract suite drives it. */
export type AnyBalancer = LoadBalancer | TcpLoadBalancer;

/** What differs between HTTP and TCP for the contract suite: the backends, the balancer and one round trip. */
export interface Transport {
  readonly name: 'http' | 'tcp';
  /** A backend that answers with its id; `hold` keeps each answer back until it resolves. */
  startBackend(id: BackendId, hold?: () => Promise<void>): Promise<Backend>;
  createBalancer(options: LoadBalancerConfig, backends: readonly Backend[]): AnyBalancer;
  /** One request (HTTP) or connection (TCP); resolves with the id of the backend that answered, or undefined. */
  roundTrip(port: number): Promise<string | undefined>;
}

const servers = new Set<Server>();

async function listen(server: Server, id: BackendId): Promise<Backend> {
  servers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { id, host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

/** Closes every backend the transports started. */
export async function closeTransportBackends(): Promise<void> {
  await Promise.all(
    [...servers].map((server) => {
      servers.delete(server);
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    }),
  );
}

export const http: Transport = {
  name: 'http',
  startBackend: (id, hold) =>
    listen(
      createHttpServer((req, res) => {
        req.resume();
        void (hold?.() ?? Promise.resolve()).then(() => res.end(String(id)));
      }) as unknown as Server,
      id,
    ),
  createBalancer: (options, backends) => new LoadBalancer(options, backends),
  roundTrip: async (port) => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      return res.status === 200 ? body : undefined;
    } catch {
      return undefined;
    }
  },
};

export const tcp: Transport = {
  name: 'tcp',
  startBackend: (id, hold) => {
    const server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      void (hold?.() ?? Promise.resolve()).then(() => socket.end(String(id)));
    });
    return listen(server, id);
  },
  createBalancer: (options, backends) => {
    const { loadBalancerPort, loadBalancerHost, strategy, retries, adminPort } = options;
    return new TcpLoadBalancer(
      { loadBalancerPort, loadBalancerHost, strategy, retries, adminPort },
      backends,
    );
  },
  roundTrip: (port) =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.setTimeout(5000, () => socket.destroy());
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(received === '' ? undefined : received));
    }),
};
