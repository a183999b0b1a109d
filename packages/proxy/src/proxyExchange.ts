import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Backend, BackendId, PickContext } from '@lb/core';
import { LbError } from '@lb/core';
import { sendError } from './errorResponse.js';
import { checkResponseFraming } from './http/framing.js';
import type { BodyFraming } from './http/requestHeaders.js';
import { buildResponseHeaders, filterTrailers } from './http/responseHeaders.js';
import type { FailureKind, ProxyHooks } from './proxyHooks.js';
import { isRetryable } from './retry/retryPolicy.js';

const failureCodes = {
  connect: 'LB_ERR_UPSTREAM_CONNECT',
  connectTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  reset: 'LB_ERR_UPSTREAM_RESET',
  responseTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  idleTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  protocol: 'LB_ERR_UPSTREAM_PROTOCOL',
} as const;

function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/** One attempt: a request to one backend. */
interface Attempt {
  readonly backend: Backend;
  readonly upstream: ClientRequest;
  readonly startedAt: number;
  phase: 'connect' | 'sent';
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One client request on its way through the balancer: picks a backend, streams the body both ways with
 * backpressure, maps failures to 502/503/504, and retries on another backend when that is safe and the retry
 * budget allows.
 */
export class ProxyExchange {
  private readonly excluded = new Set<BackendId>();
  private readonly pickContext: {
    clientAddress: string;
    headers: IncomingMessage['headers'];
    exclude: Set<BackendId>;
  };
  private readonly startedAt = performance.now();
  private current: Attempt | undefined;
  private retries = 0;
  private holdsRetrySlot = false;
  private bodyStreamed = false;
  private done = false;

  constructor(
    private readonly hooks: ProxyHooks,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly headers: string[],
    clientAddress: string,
    private readonly framing: BodyFraming,
  ) {
    this.pickContext = { clientAddress, headers: req.headers, exclude: this.excluded };
  }

  start(): void {
    this.hooks.requestStarted();
    this.res.once('close', () => this.onClientClose());
    this.attempt();
  }

  private attempt(): void {
    const backend = this.hooks.pick(this.pickContext as PickContext);
    if (backend === undefined) {
      this.finish(sendError(this.res, 503, 'No healthy backend is available', { 'Retry-After': '1' }));
      return;
    }
    this.hooks.attemptStarted(backend);
    const upstream = this.hooks.upstream.request(backend, {
      method: this.req.method!,
      path: this.req.url!,
      headers: this.headers,
    });
    const attempt: Attempt = {
      backend,
      upstream,
      startedAt: performance.now(),
      phase: 'connect',
      settled: false,
      timer: undefined,
    };
    this.current = attempt;
    const { connectTimeout } = this.hooks.options;
    attempt.timer = setTimeout(() => this.fail(attempt, 'connectTimeout'), connectTimeout);
    upstream.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => this.onConnected(attempt));
      else this.onConnected(attempt);
    });
    upstream.on('response', (upRes) => this.onResponse(attempt, upRes));
    upstream.on('upgrade', (_res, socket) => {
      socket.destroy();
      this.fail(attempt, 'protocol', 'unrequested 101 Switching Protocols');
    });
    upstream.on('information', (info) => {
      if (info.statusCode === 103 && info.headers.link !== undefined && !this.res.headersSent) {
        this.res.writeEarlyHints({ link: info.headers.link });
      }
    });
    upstream.on('error', (err) =>
      this.fail(attempt, attempt.phase === 'connect' ? 'connect' : 'reset', err.message),
    );
  }

  private onConnected(attempt: Attempt): void {
    if (attempt.settled || attempt.phase !== 'connect') return;
    clearTimeout(attempt.timer);
    attempt.phase = 'sent';
    const { responseTimeout, idleTimeout } = this.hooks.options;
    if (responseTimeout > 0)
      attempt.timer = setTimeout(() => this.fail(attempt, 'responseTimeout'), responseTimeout);
    if (idleTimeout > 0) attempt.upstream.setTimeout(idleTimeout, () => this.fail(attempt, 'idleTimeout'));
    const upstream = attempt.upstream;
    if (this.framing.kind === 'none') {
      upstream.end();
    } else if (this.req.headers.expect?.toLowerCase() === '100-continue') {
      upstream.flushHeaders();
      // Some backends ignore Expect and wait for the body; after a second, send it anyway as clients do.
      const fallback = setTimeout(() => this.streamBody(upstream), 1000);
      upstream.once('continue', () => {
        clearTimeout(fallback);
        if (this.bodyStreamed) return;
        this.res.writeContinue();
        this.streamBody(upstream);
      });
      upstream.once('response', () => clearTimeout(fallback));
      upstream.once('close', () => clearTimeout(fallback));
    } else {
      this.streamBody(upstream);
    }
  }

  private streamBody(upstream: ClientRequest): void {
    if (this.bodyStreamed || upstream.destroyed) return;
    this.bodyStreamed = true;
    const req = this.req;
    req.on('data', (chunk: Buffer) => {
      if (!upstream.write(chunk)) req.pause();
    });
    upstream.on('drain', () => req.resume());
    req.once('end', () => {
      if (this.framing.kind === 'chunked' && req.rawTrailers.length > 0) {
        upstream.addTrailers(pairs(filterTrailers(req.rawTrailers)));
      }
      upstream.end();
    });
  }

  private onResponse(attempt: Attempt, upRes: IncomingMessage): void {
    if (attempt.settled) return;
    clearTimeout(attempt.timer);
    const violation = checkResponseFraming(upRes.httpVersion, upRes.rawHeaders);
    if (violation !== undefined) {
      this.fail(attempt, 'protocol', violation);
      return;
    }
    const res = this.res;
    const status = upRes.statusCode!;
    const te = upRes.headers['transfer-encoding'];
    const cl = upRes.headers['content-length'];
    const length = te === undefined && cl !== undefined ? Number(cl) : undefined;
    res.writeHead(status, upRes.statusMessage, buildResponseHeaders(upRes.rawHeaders, length));
    upRes.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) upRes.pause();
    });
    res.on('drain', () => upRes.resume());
    upRes.once('end', () => {
      if (upRes.rawTrailers.length > 0) res.addTrailers(pairs(filterTrailers(upRes.rawTrailers)));
      res.end();
      this.settle(attempt, true, status);
      this.finish(status);
    });
    upRes.once('aborted', () => this.fail(attempt, 'reset', 'response body cut short'));
    upRes.once('error', () => this.fail(attempt, 'reset', 'response body cut short'));
  }

  private fail(attempt: Attempt, kind: FailureKind, detail?: string): void {
    if (attempt.settled) return;
    attempt.upstream.destroy();
    this.settle(attempt, false, undefined);
    const { backend } = attempt;
    const message = `${kind} failure on backend ${String(backend.id)}${detail ? `: ${detail}` : ''}`;
    const error = new LbError(failureCodes[kind], message);
    if (this.done) return;
    if (this.res.headersSent) {
      this.hooks.failed(error, backend, kind);
      this.res.destroy();
      this.finish(502);
      return;
    }
    const phase = kind === 'connect' || kind === 'connectTimeout' ? 'connect' : 'reset';
    const safe =
      kind !== 'protocol' &&
      kind !== 'responseTimeout' &&
      isRetryable({
        method: this.req.method!,
        phase,
        bodyStreamed: this.bodyStreamed,
        responseStarted: false,
      });
    if (safe && this.retries < this.hooks.maxRetries && this.acquireRetrySlot()) {
      this.retries++;
      this.excluded.add(backend.id);
      this.hooks.retried(backend, error, kind);
      this.attempt();
      return;
    }
    this.hooks.failed(error, backend, kind);
    const timedOut = kind === 'connectTimeout' || kind === 'responseTimeout' || kind === 'idleTimeout';
    this.finish(sendError(this.res, timedOut ? 504 : 502, timedOut ? 'Gateway Timeout' : 'Bad Gateway'));
  }

  private acquireRetrySlot(): boolean {
    if (this.holdsRetrySlot) return true;
    const budget = this.hooks.budget;
    if (budget === undefined || !budget.tryAcquire()) return false;
    this.holdsRetrySlot = true;
    return true;
  }

  private settle(attempt: Attempt, ok: boolean, status: number | undefined): void {
    if (attempt.settled) return;
    attempt.settled = true;
    clearTimeout(attempt.timer);
    this.hooks.attemptEnded(attempt.backend, {
      ok,
      latencyMs: performance.now() - attempt.startedAt,
      status,
    });
  }

  private onClientClose(): void {
    if (this.res.writableFinished) return;
    const attempt = this.current;
    if (attempt !== undefined && !attempt.settled) {
      attempt.upstream.destroy();
      // A client going away says nothing about the backend's health.
      this.settle(attempt, true, undefined);
    }
    this.finish(499);
  }

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    if (this.holdsRetrySlot) this.hooks.budget?.release();
    this.hooks.requestEnded(status, performance.now() - this.startedAt);
  }
}
