import type { Server, Socket } from 'node:net';
import {
  type Backend,
  type BackendId,
  type ClusterConfig,
  type ClusterConfigOptions,
  LbError,
  validateBackends,
} from '@lb/core';
import { BalancerBase } from './balancerBase.js';
import { ClientListener } from './client/clientListener.js';
import { createProxyHooks, RequestCounters } from './createProxyHooks.js';
import type { LoadBalancerStats } from './loadBalancerStats.js';
import type { ProxyHooks } from './proxyHooks.js';
import { RequestEntry } from './requestEntry.js';
import { resolveProxyOptions } from './resolveOptions.js';
import { Http1Pool } from './upstream/http1Pool.js';

/**
 * An HTTP/1.1 reverse proxy and load balancer: keep-alive pools to every backend, strict framing, hop-by-hop
 * and forwarding headers per RFC 9110, WebSocket and `Upgrade` tunnels, timeouts, safe retries under a budget,
 * passive and active health, drain, dynamic backends, optional TLS termination, and Prometheus metrics.
 *
 * @example
 * ```ts
 * const lb = new LoadBalancer({ loadBalancerPort: 3000, strategy: 'leastConnections' }, [
 *   { id: 'a', host: '127.0.0.1', port: 8081 },
 *   { id: 'b', host: '127.0.0.1', port: 8082 },
 * ]);
 * lb.on('backendDown', (b) => console.warn(`backend ${b.id} is down`));
 * await lb.start();
 * // …
 * await lb.stop();
 * ```
 */
export class LoadBalancer extends BalancerBase<Server> {
  private readonly upstream: Http1Pool;
  private readonly hooks: ProxyHooks;
  private readonly sockets = new Set<Socket>();
  private readonly entry: RequestEntry;
  private listener: ClientListener | undefined;
  private readonly counters = new RequestCounters();
  private readonly isStopping = (): boolean => this.stopping !== undefined;

  constructor(config: ClusterConfig | ClusterConfigOptions, backends: readonly Backend[] = []) {
    super(config, resolveProxyOptions);
    validateBackends(backends);
    this.upstream = new Http1Pool({
      maxConnections: this.options.maxConnectionsPerBackend,
      maxIdleConnections: this.options.maxIdleConnectionsPerBackend,
      idleTimeout: this.options.upstreamIdleTimeout,
    });
    this.hooks = createProxyHooks({
      options: this.options,
      upstream: this.upstream,
      strategy: this.strategy,
      registry: this.registry,
      metrics: this.registryMetrics,
      resilience: this.resilience,
      counters: this.counters,
      events: this,
    });
    this.entry = new RequestEntry(this.hooks, this.isStopping, (err) => this.emitError(err));
    for (const backend of backends) this.addBackendQuietly(backend);
  }

  /** Starts listening (and the admin server when `adminPort` is set); resolves once the port is bound. */
  async start(): Promise<void> {
    if (this.server) throw new LbError('LB_ERR_ALREADY_STARTED', 'The load balancer is already started');
    const { headersTimeout, requestTimeout, keepAliveTimeout, maxHeaderSize, tls } = this.options;
    const { maxHeaderCount, allowTrace, underscoreHeaders } = this.options;
    const listener = new ClientListener(
      {
        headersTimeout,
        requestTimeout,
        keepAliveTimeout,
        maxHeaderSize,
        maxHeaderCount,
        allowTrace,
        underscoreHeaders,
      },
      tls,
      this.entry,
      this.isStopping,
    );
    this.listener = listener;
    const server = listener.server;
    this.server = server;
    server.on('connection', (socket: Socket) => this.track(socket));
    server.on('error', (err) => this.emitError(err));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = undefined;
        reject(
          new LbError('LB_ERR_LISTEN_FAILED', `Cannot listen on port ${this.options.port}: ${err.message}`, {
            cause: err,
          }),
        );
      };
      server.once('error', onError);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    await this.startServices();
  }

  /** A JSON snapshot of counters, backends and pools. */
  stats(): LoadBalancerStats {
    this.resilience.refreshGauges();
    return {
      address: this.address,
      strategy: this.strategy.name,
      activeRequests: this.counters.active,
      requests: this.counters.total,
      retries: this.counters.retries,
      noBackend: this.registryMetrics.noBackend,
      backends: this.backends,
      pools: this.upstream.stats(),
      metrics: this.registryMetrics.snapshot(),
    };
  }

  protected override backendRemoved(id: BackendId): void {
    this.upstream.forget(id);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    this.registryMetrics.clientConnected();
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.registryMetrics.clientDisconnected();
    });
  }

  protected async closeConnections(timeout: number): Promise<void> {
    const server = this.server;
    const listener = this.listener;
    if (server && listener) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      listener.closeIdle();
      if (this.counters.active > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.counters.whenIdle(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, timeout);
          }),
        ]);
        clearTimeout(timer);
      }
      listener.closeAll();
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    this.upstream.close();
  }
}
