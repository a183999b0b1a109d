import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LbError } from '@lb/core';
import { prometheusContentType } from '../metrics/prometheusText.js';
import { DashboardFeed } from './dashboard/dashboardFeed.js';
import type { DashboardRow } from './dashboard/dashboardRow.js';
import { registerDashboard } from './dashboard/registerDashboard.js';

/**
 * What the admin server reports on. The HTTP and TCP balancers implement it, and the cluster manager wraps one
 * to add its worker information.
 */
export interface AdminProvider {
  /** Prometheus text exposition 0.0.4, served at `/metrics`. */
  metrics(): string;
  /** A JSON-serialisable snapshot, served at `/status`. */
  status(): unknown;
  /** Whether at least one backend takes traffic; `/healthz` answers 200 when it does, else 503. */
  healthy(): boolean;
  /**
   * Whether this process should get new traffic: started, not stopping, and `healthy()`. `/readyz` answers 200
   * when it should, else 503. @default healthy()
   */
  ready?(): boolean;
  /** Every worker or backend now, for the dashboard (sampled into `/dashboard.json`). @default none */
  dashboardRows?(): readonly DashboardRow[];
}

/** Handles one admin request. Throwing (or rejecting) answers 500. */
export type AdminRouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Options of {@link AdminServer}. */
export interface AdminServerOptions {
  /** Interface to bind. Keep it on loopback unless something in front of it authenticates. @default '127.0.0.1' */
  host?: string;
  /** Port; `0` picks a free one (see {@link AdminServer.address}). @default 0 */
  port?: number;
}

interface Route {
  handler: AdminRouteHandler;
  methods: ReadonlySet<string>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

const text = 'text/plain; charset=utf-8';

/**
 * The admin HTTP server: `GET /` (the live dashboard page), `/dashboard.json` (its history and event log),
 * `/metrics` (Prometheus), `/status` (JSON), and three probes: `/healthz` (200 while a backend takes traffic,
 * else 503), `/readyz` (200 while this process should get new traffic: started, not stopping, healthy; else 503)
 * and `/livez` (200 as long as the server answers); 404 for unknown paths and 405 for methods a route does not
 * take. {@link AdminServer.route} adds more routes or replaces these.
 *
 * @example
 * ```ts
 * const admin = new AdminServer(balancer, { port: 9090 });
 * await admin.start();
 * // curl http://127.0.0.1:9090/metrics
 * await admin.stop();
 * ```
 */
export class AdminServer {
  private readonly routes = new Map<string, Route>();
  private server: Server | undefined;
  private readonly host: string;
  private readonly port: number;
  /**
   * The dashboard's history and event log, served at `/dashboard.json`: sampled every second while the server
   * runs. Add events to `dashboard.events`; replace `dashboard.rows` to show other rows.
   */
  readonly dashboard: DashboardFeed;

  constructor(provider: AdminProvider, options: AdminServerOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.dashboard = new DashboardFeed(() => provider.dashboardRows?.() ?? []);
    this.route('/dashboard.json', (_req, res) =>
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(this.dashboard.snapshot())),
    );
    this.route('/metrics', (_req, res) => send(res, 200, prometheusContentType, provider.metrics()));
    this.route('/status', (_req, res) =>
      send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(provider.status(), null, 2)}\n`),
    );
    this.route('/healthz', (_req, res) => {
      const healthy = provider.healthy();
      send(res, healthy ? 200 : 503, text, healthy ? 'ok\n' : 'no backend is up\n');
    });
    const ready = provider.ready?.bind(provider) ?? provider.healthy.bind(provider);
    this.route('/readyz', (_req, res) => {
      const yes = ready();
      send(res, yes ? 200 : 503, text, yes ? 'ready\n' : 'not ready\n');
    });
    // Answering at all is the proof of life: the event loop runs. Nothing else may fail it, so a drain or a
    // backend outage never gets the process restarted.
    this.route('/livez', (_req, res) => send(res, 200, text, 'alive\n'));
    registerDashboard(this);
  }

  /**
   * Adds (or replaces) the handler of an exact `path` (the query string is ignored when matching).
   * @param methods The methods it takes; others get 405. @default ['GET', 'HEAD']
   */
  route(path: string, handler: AdminRouteHandler, methods: readonly string[] = ['GET', 'HEAD']): this {
    this.routes.set(path, { handler, methods: new Set(methods.map((m) => m.toUpperCase())) });
    return this;
  }

  /** Starts listening; resolves once bound. */
  async start(): Promise<void> {
    if (this.server) throw new LbError('LB_ERR_ALREADY_STARTED', 'The admin server is already started');
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    server.listen(this.port, this.host);
    try {
      await once(server, 'listening');
      this.dashboard.start();
    } catch (cause) {
      this.server = undefined;
      throw new LbError(
        'LB_ERR_LISTEN_FAILED',
        `The admin server could not listen on ${this.host}:${this.port}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /** Stops listening and closes every connection, idle or not. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.dashboard.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Where the admin server listens, once started. */
  get address(): { host: string; port: number } | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const route = this.routes.get(query === -1 ? url : url.slice(0, query));
    if (!route) {
      send(res, 404, text, 'not found\n');
      return;
    }
    if (!route.methods.has(req.method ?? '')) {
      res.setHeader('allow', [...route.methods].join(', '));
      send(res, 405, text, 'method not allowed\n');
      return;
    }
    const fail = (err: unknown) => {
      if (res.headersSent) res.destroy();
      else send(res, 500, text, `admin route failed: ${err instanceof Error ? err.message : String(err)}\n`);
    };
    try {
      const pending = route.handler(req, res);
      if (pending) pending.catch(fail);
    } catch (err) {
      fail(err);
    }
  }
}
