import { Agent, type ClientRequest, request } from 'node:http';
import type { Socket } from 'node:net';
import type { Backend, BackendId } from '@lb/core';

/** What a request to a backend needs. */
export interface UpstreamRequestInit {
  readonly method: string;
  readonly path: string;
  /** Flat `[name, value, …]` list, sent as is. */
  readonly headers: string[];
}

/** Connection counts of one backend's pool. */
export interface UpstreamPoolStats {
  readonly id: BackendId;
  /** Connections ever opened to this backend. */
  readonly opened: number;
  /** Connections carrying a request now. */
  readonly active: number;
  /** Idle keep-alive connections waiting for reuse. */
  readonly idle: number;
  /** Requests waiting for a connection because the pool is full. */
  readonly queued: number;
}

/** Sizes and timers of the upstream pools. */
export interface UpstreamPoolOptions {
  readonly maxConnections: number;
  readonly maxIdleConnections: number;
  readonly idleTimeout: number;
}

/**
 * How the balancer talks to backends. The keep-alive {@link UpstreamPool} implements it over `http.Agent`; a
 * faster purpose-built client can replace it behind this interface.
 */
export interface UpstreamClient {
  request(backend: Backend, init: UpstreamRequestInit): ClientRequest;
  /** Closes a removed backend's idle connections; busy ones close when their request ends. */
  forget(id: BackendId): void;
  stats(): UpstreamPoolStats[];
  /** Closes every idle connection. */
  close(): void;
}

interface Pool {
  readonly agent: Agent;
  opened: number;
}

function strayData(this: Socket): void {
  // Bytes on an idle connection belong to no request (a response-splitting or broken backend): never reuse it.
  this.destroy();
}

/** Keep-alive connection pools, one bounded `http.Agent` per backend. */
export class UpstreamPool implements UpstreamClient {
  private readonly pools = new Map<BackendId, Pool>();

  constructor(private readonly options: UpstreamPoolOptions) {}

  request(backend: Backend, init: UpstreamRequestInit): ClientRequest {
    const pool = this.poolOf(backend.id);
    const req = request({
      host: backend.host,
      port: backend.port,
      method: init.method,
      path: init.path,
      headers: init.headers,
      agent: pool.agent,
      setHost: false,
    });
    req.on('socket', (socket) => socket.removeListener('data', strayData));
    return req;
  }

  forget(id: BackendId): void {
    const pool = this.pools.get(id);
    if (pool === undefined) return;
    this.pools.delete(id);
    // Agent.destroy() would also cut in-flight requests; instead close idle sockets and never pool again.
    pool.agent.keepSocketAlive = () => false;
    for (const sockets of Object.values(pool.agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
  }

  stats(): UpstreamPoolStats[] {
    return [...this.pools].map(([id, { agent, opened }]) => ({
      id,
      opened,
      active: countValues(agent.sockets),
      idle: countValues(agent.freeSockets),
      queued: countValues(agent.requests),
    }));
  }

  close(): void {
    for (const pool of this.pools.values()) pool.agent.destroy();
    this.pools.clear();
  }

  private poolOf(id: BackendId): Pool {
    let pool = this.pools.get(id);
    if (pool !== undefined) return pool;
    const agent = new Agent({
      keepAlive: true,
      maxSockets: this.options.maxConnections,
      maxFreeSockets: this.options.maxIdleConnections,
      timeout: this.options.idleTimeout,
      scheduling: 'lifo',
    });
    const created: Pool = { agent, opened: 0 };
    agent.on('free', (socket: Socket) => socket.on('data', strayData));
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<Agent['createConnection']>) => {
      created.opened++;
      return createConnection(...args);
    };
    this.pools.set(id, created);
    pool = created;
    return pool;
  }
}

function countValues(record: NodeJS.ReadOnlyDict<readonly unknown[]>): number {
  let total = 0;
  for (const list of Object.values(record)) total += list?.length ?? 0;
  return total;
}
