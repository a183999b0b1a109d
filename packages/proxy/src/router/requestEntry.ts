import type { Socket } from 'node:net';
import type { AccessLog } from '../accessLog/accessLog.js';
import type { ClientExchange } from '../downstream/clientExchange.js';
import type { ClientRequestHandler } from '../downstream/clientListener.js';
import type { DownstreamExchange } from '../downstream/downstreamExchange.js';
import type { ResolvedProxyOptions } from '../options/resolveOptions.js';
import { buildRequestHeaders, type ForwardedRequestHeaders } from '../protocol/http1/requestHeaders.js';
import { reasonPhrase } from '../protocol/http1/statusReasons.js';
import { httpLogEntry } from './httpLogEntry.js';
import { ProxyExchange } from './proxyExchange.js';
import type { ProxyHooks } from './proxyHooks.js';
import { RequestHookRun } from './requestHookRun.js';
import { applyTracing } from './requestIds.js';
import { tunnelUpgrade } from './upgradeTunnel.js';

/** A request no group takes: the status and the short text the client gets. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/**
 * Where client requests enter the balancer once the listener has parsed and framing-checked them: the route
 * chooses the backend group (its request path), then the forwarding headers, then a {@link ProxyExchange} for
 * ordinary requests or a tunnel for upgrades.
 */
export class RequestEntry implements ClientRequestHandler {
  constructor(
    private readonly options: ResolvedProxyOptions,
    /** `group`, set by `onRequest`, overrides the routes. */
    private readonly choose: (exchange: DownstreamExchange, group?: string) => ProxyHooks | Refusal,
    private readonly stopping: () => boolean,
    private readonly reportError: (error: Error) => void,
    private readonly accessLog: AccessLog | undefined,
  ) {}

  onError(error: Error): void {
    this.reportError(error);
  }

  onRequest(exchange: DownstreamExchange): void {
    if (this.options.onRequest !== undefined || this.options.onResponse !== undefined) {
      this.onHookedRequest(exchange);
      return;
    }
    const hooks = this.choose(exchange);
    if ('status' in hooks) {
      this.refused(exchange, exchange.sendError(hooks.status, hooks.message));
      return;
    }
    const { headers, clientAddress } = this.forwardHeaders(exchange);
    const tracing = this.options.tracing;
    const ids = tracing === undefined ? undefined : applyTracing(headers, tracing);
    new ProxyExchange(hooks, exchange, headers, clientAddress, ids).start();
  }

  /** The same path with the user's hooks: the headers are built first, since `onRequest` may edit them. */
  private onHookedRequest(exchange: DownstreamExchange): void {
    const { headers, clientAddress } = this.forwardHeaders(exchange);
    const { onRequest, onResponse, tracing } = this.options;
    const run = new RequestHookRun(
      exchange.method,
      exchange.url,
      clientAddress,
      undefined,
      headers,
      onResponse,
      (err) => this.reportError(err),
    );
    try {
      onRequest?.(run);
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
      this.refused(exchange, exchange.sendError(500, 'Internal Server Error'));
      return;
    }
    const answer = run.answer;
    if (answer !== undefined) {
      const body = Buffer.from(answer.body, 'utf8');
      exchange.writeHead(
        answer.status,
        reasonPhrase(answer.status),
        [...answer.headers, 'Content-Length', String(body.length)],
        body.length,
      );
      exchange.end(body);
      this.refused(exchange, answer.status);
      return;
    }
    const hooks = this.choose(exchange, run.group);
    if ('status' in hooks) {
      this.refused(exchange, exchange.sendError(hooks.status, hooks.message));
      return;
    }
    const ids = tracing === undefined ? undefined : applyTracing(headers, tracing);
    new ProxyExchange(hooks, exchange, headers, clientAddress, ids, run).start();
  }

  onUpgrade(exchange: ClientExchange, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (exchange.framing.kind !== 'none' || this.stopping()) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      this.refused(exchange, 400);
      return;
    }
    const hooks = this.choose(exchange);
    if ('status' in hooks) {
      const body = `${hooks.message}\n`;
      socket.end(
        `HTTP/1.1 ${hooks.status} ${reasonPhrase(hooks.status)}\r\nConnection: close\r\n` +
          `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      this.refused(exchange, hooks.status);
      return;
    }
    const upgrade = exchange.headers.upgrade;
    const { headers, clientAddress } = this.forwardHeaders(
      exchange,
      typeof upgrade === 'string' ? upgrade : '',
    );
    const tracing = this.options.tracing;
    const ids = tracing === undefined ? undefined : applyTracing(headers, tracing);
    tunnelUpgrade(hooks, exchange, socket, head, headers, clientAddress, ids);
  }

  /** Logs a request answered before any group took it (no route, a bad path, a hook's answer or failure). */
  private refused(exchange: DownstreamExchange, status: number): void {
    if (this.accessLog === undefined) return;
    const { clientAddress } = this.forwardHeaders(exchange);
    const measures = { status, bytesIn: 0, bytesOut: 0, totalMs: 0, retries: 0 };
    const none = { group: undefined, backend: undefined, connectMs: undefined, responseMs: undefined };
    this.accessLog.log(httpLogEntry(exchange, clientAddress, { ...measures, ...none }, undefined));
  }

  private forwardHeaders(exchange: DownstreamExchange, upgrade?: string): ForwardedRequestHeaders {
    const connection = exchange.connection;
    const options = this.options;
    return buildRequestHeaders(exchange.rawHeaders, {
      httpVersion: exchange.httpVersion,
      peerAddress: connection.remoteAddress,
      localPort: connection.localPort || options.port,
      encrypted: options.tls !== undefined,
      trust: options.trust,
      forwarded: options.forwarded,
      via: options.via,
      framing: exchange.framing,
      ...(upgrade === undefined ? {} : { upgrade }),
    });
  }
}
