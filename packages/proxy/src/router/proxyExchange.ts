import type { Backend, BackendId, PickContext } from '@lb/core';
import { LbError } from '@lb/core';
import type { DownstreamExchange, DownstreamExchangeHandlers } from '../downstream/downstreamExchange.js';
import { fieldValue } from '../protocol/grpc/grpcRequest.js';
import { GrpcStatus, parseGrpcStatus } from '../protocol/grpc/grpcStatus.js';
import { hostHeader } from '../protocol/http1/hostHeader.js';
import { buildResponseHeaders, filterTrailers } from '../protocol/http1/responseHeaders.js';
import type { ResponseHead } from '../protocol/http1/responseParser.js';
import { reasonPhrase } from '../protocol/http1/statusReasons.js';
import type { UpstreamExchange, UpstreamFailure, UpstreamHandlers } from '../upstream/upstreamClient.js';
import type { Deadlined, DeadlineList } from './deadlineList.js';
import { type FailureKind, failureCodes } from './failureKind.js';
import { GrpcCall } from './grpc/grpcCall.js';
import { type HttpLogMeasures, httpLogEntry } from './httpLogEntry.js';
import type { ProxyHooks } from './proxyHooks.js';
import type { RequestHookRun } from './requestHookRun.js';
import type { RequestIds } from './requestIds.js';
import { isRetryable } from './retry/retryPolicy.js';

const failureKinds: Record<UpstreamFailure, FailureKind> = {
  connect: 'connect',
  reset: 'reset',
  protocol: 'protocol',
  idle: 'idleTimeout',
};

/** Stands in until `request()` returns its exchange (a reused connection reports `onSent` before that). */
const notYetSent: UpstreamExchange = Object.freeze({
  write: () => true,
  end: () => {},
  pause: () => {},
  resume: () => {},
  abort: () => {},
});

/** What a strategy sees of a request; the header object is only built if a strategy reads it. */
class RequestPickContext implements PickContext {
  /** Appears with the first retry: most requests never need the set. */
  exclude: Set<BackendId> | undefined = undefined;

  constructor(
    readonly clientAddress: string,
    private readonly client: DownstreamExchange,
  ) {}

  get headers(): PickContext['headers'] {
    return this.client.headers;
  }
}

/**
 * One attempt: a request to one backend. It is its own upstream handler set, so an attempt costs one object
 * rather than a closure per callback.
 */
class Attempt implements UpstreamHandlers, Deadlined {
  upstream: UpstreamExchange = notYetSent;
  phase: 'connect' | 'sent' = 'connect';
  settled = false;
  expectTimer: NodeJS.Timeout | undefined = undefined;
  /** In the connect or the response deadline list, by phase (see `ProxyHooks.deadlines`). */
  deadlinePrev: Deadlined | undefined = undefined;
  deadlineNext: Deadlined | undefined = undefined;
  deadlineAt = 0;
  deadlineList: DeadlineList | undefined = undefined;

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

  onError(failure: UpstreamFailure, message: string, cause?: Error): void {
    this.exchange.fail(this, failureKinds[failure], message, cause);
  }

  expired(): void {
    this.exchange.fail(this, this.phase === 'connect' ? 'connectTimeout' : 'responseTimeout');
  }

  /** Clears whichever deadline it has. */
  clearDeadline(): void {
    this.deadlineList?.remove(this);
  }
}

/**
 * One client request on its way through the balancer: picks a backend, streams the body both ways with
 * backpressure, maps failures to 502/503/504, and retries on another backend when that is safe and the retry
 * budget allows.
 */
export class ProxyExchange implements DownstreamExchangeHandlers {
  private readonly pickContext: RequestPickContext;
  private readonly startedAt = performance.now();
  private current: Attempt | undefined;
  private retries = 0;
  private holdsRetrySlot = false;
  /** A recovery slot is held: this request already retried once after losing its connection. */
  private holdsRecoverySlot = false;
  private bodyStreamed = false;
  /** The body was asked for before `request()` returned the exchange to write it to. */
  private bodyDeferred = false;
  /** A retried gRPC call's kept body waits until `request()` returned the exchange to write it to. */
  private replayDeferred = false;
  /** A gRPC call's deadline and kept body; `undefined` for other requests. */
  private readonly grpc: GrpcCall | undefined;
  private lastChunk: Buffer | undefined;
  private done = false;
  /** Request body bytes read from the client, for the access log. */
  private bytesIn = 0;
  /** Response body bytes written to the client, for the access log. */
  private bytesOut = 0;
  /** Read only with an access log, which is why they stay unset without one. */
  private connectMs: number | undefined;
  private responseMs: number | undefined;

  constructor(
    private readonly hooks: ProxyHooks,
    private readonly client: DownstreamExchange,
    private readonly headers: string[],
    clientAddress: string,
    /** The route that chose the group, for the access log; `undefined` without `routes`. */
    private readonly route: string | undefined,
    /** What `tracing` gave the request; `undefined` when it is off. */
    private readonly ids?: RequestIds,
    /** The user's hooks for this request; `undefined` when none is set. */
    private readonly run?: RequestHookRun,
  ) {
    this.pickContext = new RequestPickContext(clientAddress, client);
    this.grpc = client.grpc
      ? new GrpcCall(headers, this.startedAt, () => this.deadlineExceeded())
      : undefined;
  }

  start(): void {
    this.hooks.requestStarted();
    this.client.handlers = this;
    this.attempt();
  }

  private attempt(): void {
    const backend = this.hooks.pick(this.pickContext);
    if (backend === undefined) {
      this.hooks.noBackend();
      this.finish(this.client.sendError(503, 'No healthy backend is available', ['Retry-After', '1']));
      return;
    }
    this.hooks.attemptStarted(backend);
    const { idleTimeout } = this.hooks.options;
    // The first attempt starts with the request; one clock read serves both.
    const attempt = new Attempt(this, backend, this.retries === 0 ? this.startedAt : performance.now());
    this.current = attempt;
    attempt.upstream = this.hooks.upstream.request(
      backend,
      {
        method: this.client.method,
        path: this.run === undefined ? this.client.url : this.run.path,
        headers: this.headersFor(backend),
        framing: this.client.framing,
        idleTimeout,
      },
      attempt,
    );
    if (this.bodyDeferred) {
      this.bodyDeferred = false;
      this.client.readBody();
    }
    if (this.replayDeferred) {
      this.replayDeferred = false;
      this.replayBody(attempt);
    }
    // A reused connection sends at once, so the connect deadline only matters for a new or queued one.
    if (attempt.phase === 'connect' && !attempt.settled) {
      this.hooks.deadlines.connect?.add(attempt, attempt.startedAt);
    }
  }

  /**
   * HTTP/1.1 needs a Host; an HTTP/1.0 client may have sent none, so name the backend (first, where
   * `buildRequestHeaders` puts a client's Host).
   */
  private headersFor(backend: Backend): readonly string[] {
    if (this.grpc !== undefined) return this.grpc.headersFor(this.headers);
    if (this.client.hasHost) return this.headers;
    return ['Host', hostHeader(backend.host, backend.port), ...this.headers];
  }

  onSent(attempt: Attempt): void {
    if (attempt.settled) return;
    attempt.clearDeadline();
    attempt.phase = 'sent';
    if (this.hooks.accessLog !== undefined) this.connectMs = performance.now() - attempt.startedAt;
    this.hooks.deadlines.response?.add(attempt, performance.now());
    if (this.grpc !== undefined && this.bodyStreamed) {
      this.replayBody(attempt);
      return;
    }
    if (this.client.framing.kind === 'none') return;
    if (this.client.expectContinue) {
      // Some backends ignore Expect and wait for the body; after a second, send it anyway as clients do.
      attempt.expectTimer = setTimeout(() => this.streamBody(attempt), 1000);
    } else {
      this.streamBody(attempt);
    }
  }

  onInformation(attempt: Attempt, status: number, raw: string[]): void {
    if (status === 100) {
      clearTimeout(attempt.expectTimer);
      if (this.bodyStreamed || !this.client.expectContinue) return;
      this.client.writeContinue();
      this.streamBody(attempt);
    } else if (status === 103) {
      const links: string[] = [];
      for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'link') links.push(raw[i + 1]!);
      if (links.length > 0) this.client.writeEarlyHints(links);
    }
  }

  onUpstreamDrain(): void {
    if (this.bodyStreamed) this.client.resumeBody();
  }

  private streamBody(attempt: Attempt): void {
    if (this.bodyStreamed || attempt.settled) return;
    this.bodyStreamed = true;
    // A reused connection reports `onSent` before `request()` returns: held body bytes wait until it has.
    if (attempt.upstream === notYetSent) this.bodyDeferred = true;
    else this.client.readBody();
  }

  /** A retried gRPC call: what the client sent so far goes to the new attempt, then the rest as it comes. */
  private replayBody(attempt: Attempt): void {
    if (attempt.settled) return;
    if (attempt.upstream === notYetSent) {
      this.replayDeferred = true;
      return;
    }
    const call = this.grpc!;
    for (const chunk of call.body.kept) attempt.upstream.write(chunk);
    if (call.requestTrailers !== undefined) attempt.upstream.end(call.requestTrailers);
    else this.client.resumeBody();
  }

  onRequestBody(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.grpc?.body.keep(chunk);
    if (this.current !== undefined && !this.current.upstream.write(chunk)) this.client.pauseBody();
  }

  onRequestEnd(rawTrailers: string[]): void {
    const dropUnderscored = this.hooks.options.underscoreHeaders !== 'allow';
    const trailers = rawTrailers.length > 0 ? filterTrailers(rawTrailers, dropUnderscored) : rawTrailers;
    if (this.grpc !== undefined) this.grpc.requestTrailers = trailers;
    this.current?.upstream.end(trailers);
  }

  onHead(attempt: Attempt, head: ResponseHead): void {
    if (attempt.settled) return;
    attempt.clearDeadline();
    clearTimeout(attempt.expectTimer);
    if (this.grpc !== undefined && this.retriedUnavailable(attempt, head)) return;
    if (this.hooks.accessLog !== undefined) {
      this.responseMs = performance.now() - attempt.startedAt - (this.connectMs ?? 0);
    }
    const headers = buildResponseHeaders(head.rawHeaders, head.contentLength);
    let { status, reason } = head;
    if (this.run !== undefined) {
      const edited = this.run.response(status, headers);
      if (edited === undefined) {
        attempt.upstream.abort();
        // The backend answered; only the hook failed.
        this.settle(attempt, true, status);
        this.finish(this.client.sendError(500, 'Internal Server Error'));
        return;
      }
      if (edited !== status) reason = reasonPhrase(edited);
      status = edited;
    }
    this.client.writeHead(status, reason, headers, head.contentLength);
  }

  onBody(attempt: Attempt, chunk: Buffer, last: boolean): void {
    this.bytesOut += chunk.length;
    if (last) {
      // Handed to `end` so the head, the body and the end go out in one write.
      this.lastChunk = chunk;
      return;
    }
    if (!this.client.write(chunk)) attempt.upstream.pause();
  }

  onClientDrain(): void {
    this.current?.upstream.resume();
  }

  onComplete(attempt: Attempt, rawTrailers: string[]): void {
    if (attempt.settled) return;
    const chunk = this.lastChunk;
    this.lastChunk = undefined;
    this.client.end(chunk, rawTrailers.length > 0 ? filterTrailers(rawTrailers) : undefined);
    const status = this.client.statusCode;
    // One clock read for the attempt's latency and the request's total.
    const now = performance.now();
    this.settle(attempt, true, status, now);
    this.finish(status, now);
  }

  fail(attempt: Attempt, kind: FailureKind, detail?: string, cause?: Error): void {
    if (attempt.settled) return;
    attempt.upstream.abort();
    this.settle(attempt, false, undefined);
    const { backend } = attempt;
    const message = `${kind} failure on backend ${String(backend.id)}${detail ? `: ${detail}` : ''}`;
    const error = new LbError(failureCodes[kind], message, cause && { cause });
    if (this.done) return;
    if (this.client.headersSent) {
      this.hooks.failed(error, backend, kind);
      this.client.destroy();
      this.finish(502);
      return;
    }
    if (this.mayRetry(kind)) {
      this.retryAfter(attempt, error, kind);
      return;
    }
    this.hooks.failed(error, backend, kind);
    const timedOut = kind === 'connectTimeout' || kind === 'responseTimeout' || kind === 'idleTimeout';
    this.finish(this.client.sendError(timedOut ? 504 : 502, timedOut ? 'Gateway Timeout' : 'Bad Gateway'));
  }

  /** Whether a failure of `kind` may go to another backend now; takes a budget slot when it may. */
  private mayRetry(kind: FailureKind): boolean {
    if (kind === 'protocol' || kind === 'responseTimeout') return false;
    const phase = kind === 'connect' || kind === 'connectTimeout' ? 'connect' : 'reset';
    const call = this.grpc;
    const safe = isRetryable({
      method: this.client.method,
      phase,
      bodyStreamed: this.bodyStreamed,
      responseStarted: this.client.headersSent,
      ...(call === undefined
        ? {}
        : { grpc: { unavailable: kind !== 'idleTimeout', replayable: call.body.replayable } }),
    });
    // A gRPC backend's calls share one session: its refused connect fails every call queued on it at once,
    // as a lost connection does, so those may take a recovery slot too.
    const lost = kind === 'reset' || (call !== undefined && kind === 'connect');
    return safe && this.retries < this.hooks.maxRetries && this.acquireRetrySlot(lost);
  }

  private retryAfter(attempt: Attempt, error: LbError, kind: FailureKind): void {
    this.retries++;
    this.pickContext.exclude ??= new Set();
    this.pickContext.exclude.add(attempt.backend.id);
    this.hooks.retried(attempt.backend, error, kind);
    this.attempt();
  }

  /**
   * A backend's trailers-only `grpc-status: 14` (UNAVAILABLE) before any response byte reached the client: the
   * call goes to another backend when the retry rules allow; `false` leaves the answer to be relayed.
   */
  private retriedUnavailable(attempt: Attempt, head: ResponseHead): boolean {
    const status = fieldValue(head.rawHeaders, 'grpc-status');
    if (status === undefined || parseGrpcStatus(status) !== GrpcStatus.UNAVAILABLE) return false;
    if (!this.mayRetry('reset')) return false;
    attempt.upstream.abort();
    this.settle(attempt, false, head.status);
    const message = `backend ${String(attempt.backend.id)} answered gRPC UNAVAILABLE`;
    this.retryAfter(attempt, new LbError(failureCodes.reset, message), 'reset');
    return true;
  }

  /**
   * The gRPC call's `grpc-timeout` passed: its backend stream is cancelled and the client told
   * `DEADLINE_EXCEEDED`, as a trailers-only answer or, once the response began, in its trailers.
   */
  private deadlineExceeded(): void {
    if (this.done) return;
    const attempt = this.current;
    if (attempt !== undefined && !attempt.settled) {
      attempt.upstream.abort();
      // The client's deadline says nothing about the backend's health.
      this.settle(attempt, true, undefined);
    }
    if (!this.client.headersSent) {
      this.finish(this.client.sendError(504, 'Deadline exceeded at the load balancer'));
      return;
    }
    this.lastChunk = undefined;
    this.client.end(undefined, [
      'grpc-status',
      String(GrpcStatus.DEADLINE_EXCEEDED),
      'grpc-message',
      'Deadline exceeded',
    ]);
    this.finish(this.client.statusCode);
  }

  /** `lost`: the backend closed the connection before a response head, as a dying backend does. */
  private acquireRetrySlot(lost: boolean): boolean {
    const budget = this.hooks.budget;
    if (budget === undefined) return false;
    if (lost && !this.holdsRecoverySlot && budget.tryAcquireRecovery()) {
      this.holdsRecoverySlot = true;
      return true;
    }
    if (this.holdsRetrySlot) return true;
    if (!budget.tryAcquire()) return false;
    this.holdsRetrySlot = true;
    return true;
  }

  private settle(attempt: Attempt, ok: boolean, status: number | undefined, now = performance.now()): void {
    if (attempt.settled) return;
    attempt.settled = true;
    attempt.clearDeadline();
    clearTimeout(attempt.expectTimer);
    this.hooks.attemptEnded(attempt.backend, {
      ok,
      latencyMs: now - attempt.startedAt,
      status,
    });
  }

  onClientAbort(status: number): void {
    const attempt = this.current;
    if (attempt !== undefined && !attempt.settled) {
      attempt.upstream.abort();
      // A client going away says nothing about the backend's health.
      this.settle(attempt, true, undefined);
    }
    this.finish(status);
  }

  private finish(status: number, now = performance.now()): void {
    if (this.done) return;
    this.done = true;
    if (this.grpc !== undefined) {
      this.grpc.stop();
      this.hooks.grpcMetrics?.callEnded(this.client.grpcStatus);
    }
    if (this.holdsRetrySlot) this.hooks.budget?.release();
    if (this.holdsRecoverySlot) this.hooks.budget?.releaseRecovery();
    const totalMs = now - this.startedAt;
    this.hooks.requestEnded(status, totalMs);
    const log = this.hooks.accessLog;
    if (log === undefined) return;
    const measures: HttpLogMeasures = {
      status,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      route: this.route,
      group: this.hooks.group,
      backend: this.current === undefined ? undefined : String(this.current.backend.id),
      connectMs: this.connectMs,
      responseMs: this.responseMs,
      totalMs,
      retries: this.retries,
    };
    log.log(httpLogEntry(this.client, this.pickContext.clientAddress, measures, this.ids));
  }
}
