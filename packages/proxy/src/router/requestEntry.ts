import type { Socket } from 'node:net';
import type { AccessLog } from '../accessLog/accessLog.js';
import type { RejectedRequest } from '../downstream/clientConnection.js';
import type { ClientExchange } from '../downstream/clientExchange.js';
import type { ClientRequestHandler } from '../downstream/clientListener.js';
import type { DownstreamExchange } from '../downstream/downstreamExchange.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { ResolvedProxyOptions } from '../options/resolveOptions.js';
import { clipGrpcMessage } from '../protocol/grpc/grpcMessage.js';
import { buildRequestHeaders, type ForwardedRequestHeaders } from '../protocol/http1/requestHeaders.js';
import { reasonPhrase } from '../protocol/http1/statusReasons.js';
import { clientAddressOf } from '../protocol/http1/trustProxy.js';
import { httpLogEntry } from './httpLogEntry.js';
import { ProxyExchange } from './proxyExchange.js';
import type { ProxyHooks } from './proxyHooks.js';
import { isGrpcAnswer, RequestHookRun } from './requestHookRun.js';
import { applyTracing } from './requestIds.js';
import { tunnelUpgrade } from './upgradeTunnel.js';

/** A request no group takes: the status and the short text the client gets. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** Where a request goes: the group's request path, and the route that chose it (for the access log). */
export interface Dispatch {
  readonly hooks: ProxyHooks;
  /** `undefined` when no route chose (no `routes`, or an `onRequest` hook named the group). */
  readonly route: string | undefined;
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
    private readonly choose: (exchange: DownstreamExchange, group?: string) => Dispatch | Refusal,
    private readonly stopping: () => boolean,
    private readonly reportError: (error: Error) => void,
    private readonly accessLog: AccessLog | undefined,
    /** Where refusals before dispatch are counted. */
    private readonly metrics: Pick<MetricsRegistry, 'clientRejected' | 'proxyHeaderFailed'>,
  ) {}

  /** Counted only: no request was read, so there is no line to log (the connection just closes, as nginx does). */
  onProxyHeaderRefused(): void {
    this.metrics.proxyHeaderFailed();
  }

  onError(error: Error): void {
    this.reportError(error);
  }

  /**
   * Counts and logs a request the listener refused before dispatch. A flood of them costs one small line each,
   * which the access log's writer drops past its bound when the stream cannot keep up.
   */
  onRejected(rejection: RejectedRequest): void {
    this.metrics.clientRejected(rejection.status);
    const log = this.accessLog;
    if (log === undefined) return;
    const { head, remoteAddress, startedAt } = rejection;
    const now = Date.now();
    log.log({
      time: startedAt,
      client:
        head === undefined
          ? remoteAddress
          : clientAddressOf(head.rawHeaders, remoteAddress, this.options.trust),
      // Empty when the request line was never read whole: nothing says which version the client spoke.
      protocol: head === undefined ? '' : `HTTP/${head.httpVersion}`,
      method: head?.method ?? '',
      target: head?.target ?? '',
      status: rejection.status,
      bytesIn: rejection.bytesIn,
      bytesOut: 0,
      route: undefined,
      group: undefined,
      backend: undefined,
      connectMs: undefined,
      responseMs: undefined,
      totalMs: Math.max(0, now - startedAt),
      retries: 0,
      traceId: undefined,
      requestId: undefined,
      referer: undefined,
      userAgent: undefined,
    });
  }

  onRequest(exchange: DownstreamExchange): void {
    if (this.options.onRequest !== undefined || this.options.onResponse !== undefined) {
      this.onHookedRequest(exchange);
      return;
    }
    const dispatch = this.choose(exchange);
    if ('status' in dispatch) {
      this.refused(exchange, exchange.sendError(dispatch.status, dispatch.message));
      return;
    }
    const { headers, clientAddress } = this.forwardHeaders(exchange);
    const tracing = this.options.tracing;
    const ids = tracing === undefined ? undefined : applyTracing(headers, tracing);
    new ProxyExchange(dispatch.hooks, exchange, headers, clientAddress, dispatch.route, ids).start();
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
    if (answer !== undefined && exchange.grpc === true && !isGrpcAnswer(answer)) {
      // A gRPC client reads no body: the status stands for what the hook meant, its body is the message.
      const message =
        answer.body === '' ? `the balancer answered HTTP ${answer.status}` : clipGrpcMessage(answer.body);
      this.refused(exchange, exchange.sendError(answer.status, message));
      return;
    }
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
    const dispatch = this.choose(exchange, run.group);
    if ('status' in dispatch) {
      this.refused(exchange, exchange.sendError(dispatch.status, dispatch.message));
      return;
    }
    const ids = tracing === undefined ? undefined : applyTracing(headers, tracing);
    new ProxyExchange(dispatch.hooks, exchange, headers, clientAddress, dispatch.route, ids, run).start();
  }

  onUpgrade(exchange: ClientExchange, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (exchange.framing.kind !== 'none' || this.stopping()) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      this.refused(exchange, 400);
      return;
    }
    const dispatch = this.choose(exchange);
    if ('status' in dispatch) {
      const body = `${dispatch.message}\n`;
      socket.end(
        `HTTP/1.1 ${dispatch.status} ${reasonPhrase(dispatch.status)}\r\nConnection: close\r\n` +
          `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      this.refused(exchange, dispatch.status);
      return;
    }
    const upgrade = exchange.headers.upgrade;
    const { headers, clientAddress } = this.forwardHeaders(
      exchange,
      typeof upgrade === 'string' ? upgrade : '',
    );
    const tracing = this.options.tracing;
    const ids = tracing === undefined ? undefined : applyTracing(headers, tracing);
    tunnelUpgrade(dispatch.hooks, exchange, socket, head, headers, clientAddress, dispatch.route, ids);
  }

  /** Logs a request answered before any group took it (no route, a bad path, a hook's answer or failure). */
  private refused(exchange: DownstreamExchange, status: number): void {
    if (this.accessLog === undefined) return;
    const { clientAddress } = this.forwardHeaders(exchange);
    const measures = { status, bytesIn: 0, bytesOut: 0, totalMs: 0, retries: 0 };
    const none = {
      route: undefined,
      group: undefined,
      backend: undefined,
      connectMs: undefined,
      responseMs: undefined,
    };
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
      // Set even when undefined: a spread here would build a second object per request.
      upgrade,
    });
  }
}
