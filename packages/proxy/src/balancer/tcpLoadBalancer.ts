import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { type Backend, ClusterConfig, LbError } from '@lb/core';
import { fail } from '@lb/core/internal';
import type { AccessLog } from '../accessLog/accessLog.js';
import type { BackendStatus } from '../backends/backendStatus.js';
import { ProxyHeaderReader } from '../downstream/proxyHeaderReader.js';
import { SlotList } from '../downstream/slotList.js';
import type { MetricsSnapshot } from '../metrics/metricsRegistry.js';
import type { TcpLoadBalancerConfig } from '../options/balancerOptions.js';
import { type ResolvedProxyOptions, resolveProxyOptions } from '../options/resolveOptions.js';
import { logRefusedConnection, proxyTcpConnection } from '../router/tcpSession.js';
import { TcpSessionAccounting } from '../router/tcpSessionAccounting.js';
import type { BackendGroup } from './backendGroup.js';
import { BalancerBase } from './balancerBase.js';

/** A JSON snapshot of a TCP balancer, from {@link TcpLoadBalancer.stats}. */
export interface TcpLoadBalancerStats {
  readonly address: { host: string; port: number } | undefined;
  readonly strategy: string;
  /** Client connections open now (connecting or piping). */
  readonly activeConnections: number;
  /** Client connections accepted. */
  readonly connections: number;
  /** Connect retries on another backend. */
  readonly retries: number;
  /** Client connections closed because no backend could take them. */
  readonly noBackend: number;
  readonly backends: readonly BackendStatus[];
  /** Per-backend counters; latency quantiles are connection lengths. */
  readonly metrics: MetricsSnapshot;
}

/**
 * A layer-4 load balancer: balances raw TCP connections (databases, Redis, gRPC without TLS termination, …)
 * across backends with the same strategies, health checks, outlier detection and metrics as `LoadBalancer`.
 * One connection is one "request" for the strategy; a failed connect is retried on another backend; bytes are
 * piped both ways with backpressure and half-close passed on.
 *
 * @example
 * ```ts
 * const lb = new TcpLoadBalancer({ loadBalancerPort: 6379, strategy: 'leastConnections' }, [
 *   { id: 'a', host: '10.0.0.1', port: 6379 },
 *   { id: 'b', host: '10.0.0.2', port: 6379 },
 * ]);
 * await lb.start();
 * ```
 */
export class TcpLoadBalancer extends BalancerBase<Server, TcpSessionAccounting> {
  private readonly hooks: TcpSessionAccounting;
  /** Every accepted client socket, until it closes (a `SlotList`: see there why not a `Set`). */
  private readonly clients = new SlotList<Socket>();
  /** Reads the PROXY header of trusted peers' connections, when `proxyProtocol` is set. */
  private readonly proxyHeaders: ProxyHeaderReader | undefined;

  constructor(config: TcpLoadBalancerConfig | ClusterConfig, backends: readonly Backend[] = []) {
    // A TCP connection idle for a minute is normal (a database pool), so TCP mode closes idle ones only when
    // asked.
    const idleTimeout = config.idleTimeout ?? 0;
    const send = config instanceof ClusterConfig ? undefined : config.sendProxyProtocol;
    super(
      config,
      'TcpLoadBalancer',
      resolveTcpOptions,
      (group, accessLog) => tcpAccounting(group, idleTimeout, send, accessLog),
      backends,
    );
    this.hooks = this.groups.get('default')!.transport;
    const proxyProtocol = this.options.proxyProtocol;
    this.proxyHeaders =
      proxyProtocol &&
      new ProxyHeaderReader(proxyProtocol.timeout, {
        onHeader: (client, header) => proxyTcpConnection(client, this.hooks, header),
        onRefused: (client, startedAt) => {
          this.metricsRegistry.proxyHeaderFailed();
          logRefusedConnection(client, this.hooks, startedAt);
        },
      });
  }

  /** Starts listening (and the admin server when `adminPort` is set); resolves once bound. */
  async start(): Promise<void> {
    if (this.server) throw new LbError('LB_ERR_ALREADY_STARTED', 'The TCP load balancer is already started');
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) =>
      this.accept(client),
    );
    this.server = server;
    const proxyHeaders = this.proxyHeaders;
    if (proxyHeaders) {
      // One sweep per listener enforces the header deadline, to within a quarter of it, instead of a timer per
      // connection.
      const timeout = this.options.proxyProtocol!.timeout;
      const sweep = setInterval(() => proxyHeaders.check(), Math.max(25, Math.floor(timeout / 4)));
      sweep.unref();
      server.once('close', () => clearInterval(sweep));
    }
    server.listen(this.options.port, this.options.host);
    try {
      await once(server, 'listening');
    } catch (cause) {
      this.server = undefined;
      const message = `Cannot listen on port ${this.options.port}: ${(cause as Error).message}`;
      throw new LbError('LB_ERR_LISTEN_FAILED', message, { cause });
    }
    server.on('error', (err) => this.emitError(err));
    await this.startServices();
  }

  /** A JSON snapshot of counters and backends. */
  stats(): TcpLoadBalancerStats {
    const metrics = this.metricsRegistry.snapshot();
    return {
      address: this.address,
      strategy: this.groups.get('default')!.strategy.name,
      activeConnections: metrics.activeClientConnections,
      connections: metrics.clientConnections,
      retries: this.counters.retries,
      noBackend: metrics.noBackend,
      backends: this.backends,
      metrics,
    };
  }

  private accept(client: Socket): void {
    if (this.closing) {
      client.destroy();
      return;
    }
    const slot = this.clients.add(client);
    this.metricsRegistry.clientConnected();
    this.counters.started();
    client.once('close', () => {
      this.clients.delete(slot, client);
      this.metricsRegistry.clientDisconnected();
      this.counters.ended();
    });
    const proxyHeaders = this.proxyHeaders;
    if (proxyHeaders && this.options.proxyProtocol?.trusted(client.remoteAddress ?? '', 0)) {
      proxyHeaders.read(client);
    } else {
      proxyTcpConnection(client, this.hooks);
    }
  }

  protected async closeConnections(timeout: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await this.untilIdle(timeout);
    this.clients.forEach((client) => {
      client.destroy();
    });
    await closed;
  }
}

function tcpAccounting(
  group: BackendGroup<TcpSessionAccounting>,
  idleTimeout: number,
  sendProxyProtocol: 1 | 2 | undefined,
  accessLog: AccessLog | undefined,
): TcpSessionAccounting {
  const { options } = group;
  const maxRetries = options.retries?.attempts ?? 0;
  return new TcpSessionAccounting(
    {
      connectTimeout: options.connectTimeout,
      maxRetries,
      idleTimeout,
      sendProxyProtocol,
      accessLog,
      upstreamTls: options.upstreamTls,
    },
    group.path,
  );
}

/** TCP mode refuses `tls` (a `ClusterConfig` may carry it) and defaults health checks to a plain connect. */
function resolveTcpOptions(config: TcpLoadBalancerConfig | ClusterConfig): ResolvedProxyOptions {
  if (config instanceof ClusterConfig && config.tls !== undefined) {
    // Silently forwarding plaintext where the user asked for TLS would be a security hole.
    fail(
      'LB_ERR_INVALID_OPTION',
      'tls',
      'is not supported by TcpLoadBalancer: it forwards bytes unchanged, so terminate TLS at the backends',
      '…',
    );
  }
  const resolved = resolveProxyOptions(config);
  const healthCheck = resolved.healthCheck && {
    ...resolved.healthCheck,
    type: config.healthCheck?.type ?? ('tcp' as const),
  };
  return Object.freeze({ ...resolved, healthCheck });
}
