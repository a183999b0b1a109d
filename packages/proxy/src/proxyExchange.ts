import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend, BackendId, PickContext } from '@lb/core';
import { LbError } from '@lb/core';
import { sendError } from './errorResponse.js';
import type { BodyFraming } from './http/requestHeaders.js';
import { buildResponseHeaders, filterTrailers } from './http/responseHeaders.js';
import type { FailureKind, ProxyHooks } from './proxyHooks.js';
import { isRetryable } from './retry/retryPolicy.js';
import type { ResponseHead } from './upstream/responseParser.js';
import type { UpstreamExchange, UpstreamFailure, UpstreamHandlers } from './upstream/upstreamClient.js';

const failureKinds: Record<UpstreamFailure, FailureKind> = {
  connect: 'connect',
  reset: 'reset',
  protocol: 'protocol',
  idle: 'idleTimeout',
};

const failureCodes = {
  connect: 'LB_ERR_UPSTREAM_CONNECT',
  connectTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  reset: 'LB_ERR_UPSTREAM_RESET',
  responseTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  idleTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  protocol: 'LB_ERR_UPSTREAM_PROTOCOL',
} as const;

/** Stands in until `request()` returns its exchange (a reused connection reports `onSent` before that). */
const notYetSent: UpstreamExchange = Object.freeze({
  write: () => true,
  end: () => {},
  pause: () => {},
  resume: () => {},
  abort: () => {},
});

function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/**
 * One attempt: a request to one backend. It is its own upstream handler set, so an attempt costs one object
 * rather than a closure per callback.
 */
class Attempt implements UpstreamHandlers {
  upstream: UpstreamExchange = notYetSent;
  phase: 'connect' | 'sent' = 'connect';
  settled = false;
  timer: NodeJS.Timeout | undefined = undefined;
  expectTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly exchange: ProxyExchange,
    readonly backend: Backend,
    readonly startedAt: number,
  ) {}

  onSent(): void {
    this.exchange.onSent(this);
  }

  onInformation(status: number, rawHeaders: string[]): void {
    this.exchange.onInformation(this, status, rawHeaders);
  }

  onHead(head: ResponseHead): void {
    this.exchange.onHead(this, head);
  }

  onBody(chunk: Buffer, last: boolean): void {
    this.exchange.onBody(this, chunk, last);
  }

  onComplete(rawTrailers: string[]): void {
    this.exchange.onComplete(this, rawTrailers);
  }

  onDrain(): void {
    this.exchange.onUpstreamDrain();
  }

  onError(failure: UpstreamFailure, message: string): void {
    this.exchange.fail(this, failureKinds[failure], message);
  }
}

function connectTimedOut(attempt: Attempt, exchange: ProxyExchange): void {
  exchange.fail(attempt, 'connectTimeout');
}

function responseTimedOut(attempt: Attempt, exchange: ProxyExchange): void {
  exchange.fail(attempt, 'responseTimeout');
}

/**
 * One client request on its way through the balancer: picks a backend, streams the body both ways with
 * backpressure, maps failures to 502/503/504, and retries on another backend when that is safe and the retry
 * budget allows.
 */
export class ProxyExchange {
  /** `exclude` appears with the first retry: most requests never need the set. */
  private readonly pickContext: {
    clientAddress: string;
    headers: IncomingMessage['headers'];
    exclude: Set<BackendId> | undefined;
  };
  private readonly startedAt = performance.now();
  private current: Attempt | undefined;
  private retries = 0;
  private holdsRetrySlot = false;
  private bodyStreamed = false;
  private drainHooked = false;
  private lastChunk: Buffer | undefined;
  private done = false;

  constructor(
    private readonly hooks: ProxyHooks,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly headers: string[],
    clientAddress: string,
    private readonly framing: BodyFraming,
  ) {
    this.pickContext = { clientAddress, headers: req.headers, exclude: undefined };
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
    const { connectTimeout, idleTimeout } = this.hooks.options;
    // The first attempt starts with the request; one clock read serves both.
    const attempt = new Attempt(this, backend, this.retries === 0 ? this.startedAt : performance.now());
    this.current = attempt;
    attempt.upstream = this.hooks.upstream.request(
      backend,
      {
        method: this.req.method!,
        path: this.req.url!,
        headers: this.headersFor(backend),
        framing: this.framing,
        idleTimeout,
      },
      attempt,
    );
    // A reused connection sends at once, so the connect deadline only matters for a new or queued one.
    if (attempt.phase === 'connect' && !attempt.settled) {
      attempt.timer = setTimeout(connectTimedOut, connectTimeout, attempt, this);
    }
  }

  /** HTTP/1.1 needs a Host; an HTTP/1.0 client may have sent none, so name the backend. */
  private headersFor(backend: Backend): readonly string[] {
    if (this.req.headers.host !== undefined) return this.headers;
    return [...this.headers, 'Host', `${backend.host}:${backend.port}`];
  }

  onSent(attempt: Attempt): void {
    if (attempt.settled) return;
    clearTimeout(attempt.timer);
    attempt.phase = 'sent';
    const { responseTimeout } = this.hooks.options;
    if (responseTimeout > 0) {
      attempt.timer = setTimeout(responseTimedOut, responseTimeout, attempt, this);
    }
    if (this.framing.kind === 'none') return;
    if (this.req.headers.expect?.toLowerCase() === '100-continue') {
      // Some backends ignore Expect and wait for the body; after a second, send it anyway as clients do.
      attempt.expectTimer = setTimeout(() => this.streamBody(attempt), 1000);
    } else {
      this.streamBody(attempt);
    }
  }

  onInformation(attempt: Attempt, status: number, raw: string[]): void {
    if (status === 100) {
      clearTimeout(attempt.expectTimer);
      if (this.bodyStreamed || this.req.headers.expect === undefined) return;
      this.res.writeContinue();
      this.streamBody(attempt);
    } else if (status === 103 && !this.res.headersSent) {
      const links: string[] = [];
      for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'link') links.push(raw[i + 1]!);
      if (links.length > 0) this.res.writeEarlyHints({ link: links });
    }
  }

  onUpstreamDrain(): void {
    if (this.bodyStreamed) this.req.resume();
  }

  private streamBody(attempt: Attempt): void {
    if (this.bodyStreamed || attempt.settled) return;
    this.bodyStreamed = true;
    const req = this.req;
    // `attempt.upstream` is read late: a reused connection reports `onSent` before `request()` returns.
    req.on('data', (chunk: Buffer) => {
      if (!attempt.upstream.write(chunk)) req.pause();
    });
    req.once('end', () => {
      const trailers = this.framing.kind === 'chunked' ? filterTrailers(req.rawTrailers) : [];
      attempt.upstream.end(trailers);
    });
  }

  onHead(attempt: Attempt, head: ResponseHead): void {
    if (attempt.settled) return;
    clearTimeout(attempt.timer);
    clearTimeout(attempt.expectTimer);
    const res = this.res;
    res.writeHead(head.status, head.reason, buildResponseHeaders(head.rawHeaders, head.contentLength));
  }

  onBody(attempt: Attempt, chunk: Buffer, last: boolean): void {
    if (last) {
      // Handed to `res.end` so the head, the body and the end go out in one write.
      this.lastChunk = chunk;
      return;
    }
    if (this.res.write(chunk)) return;
    attempt.upstream.pause();
    if (!this.drainHooked) {
      this.drainHooked = true;
      this.res.on('drain', () => this.current?.upstream.resume());
    }
  }

  onComplete(attempt: Attempt, rawTrailers: string[]): void {
    if (attempt.settled) return;
    const res = this.res;
    if (rawTrailers.length > 0) res.addTrailers(pairs(filterTrailers(rawTrailers)));
    const chunk = this.lastChunk;
    this.lastChunk = undefined;
    if (chunk === undefined) res.end();
    else res.end(chunk);
    const status = res.statusCode;
    this.settle(attempt, true, status);
    this.finish(status);
  }

  fail(attempt: Attempt, kind: FailureKind, detail?: string): void {
    if (attempt.settled) return;
    attempt.upstream.abort();
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
      this.pickContext.exclude ??= new Set();
      this.pickContext.exclude.add(backend.id);
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
    clearTimeout(attempt.expectTimer);
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
      attempt.upstream.abort();
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
