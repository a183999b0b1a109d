/** Methods RFC 9110 §9.2.2 calls idempotent: repeating them has the same effect as sending them once. */
const idempotentMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Whether `method` is idempotent (RFC 9110 §9.2.2). */
export function isIdempotent(method: string): boolean {
  return idempotentMethods.has(method);
}

/** What decides whether a failed gRPC attempt may go to another backend. */
interface GrpcAttemptFailure {
  /**
   * The failure means `UNAVAILABLE`: no connection, a stream refused or reset before a response, or a backend's
   * trailers-only `grpc-status: 14`. Other statuses may have had effects and are never retried.
   */
  readonly unavailable: boolean;
  /** Every request body byte sent so far is kept, so the call can be sent again whole. */
  readonly replayable: boolean;
}

/** Where a failed attempt stood, as far as retry safety goes. */
export interface AttemptFailure {
  readonly method: string;
  /**
   * `connect`: no connection was established, so the backend never saw the request. `reset`: the connection
   * broke or timed out after the request was (possibly) sent, before response headers arrived.
   */
  readonly phase: 'connect' | 'reset';
  /** Whether any byte of the client's request body was read and sent; a streamed body cannot be replayed. */
  readonly bodyStreamed: boolean;
  /** Whether any byte of a response reached the client. */
  readonly responseStarted: boolean;
  /** For a gRPC call: its own rule replaces the method's (every gRPC call is a `POST`). */
  readonly grpc?: GrpcAttemptFailure;
}

/**
 * Decides whether a failed attempt may be retried on another backend, safely by default: a connection that never
 * opened is retried for any method; an idempotent request whose body was not streamed is retried after a reset;
 * nothing is retried once the client has seen a response byte. A gRPC call is retried only after an `UNAVAILABLE`
 * failure, with its whole body kept to send again.
 */
export function isRetryable(failure: AttemptFailure): boolean {
  if (failure.responseStarted) return false;
  if (failure.grpc !== undefined) return failure.grpc.unavailable && failure.grpc.replayable;
  if (failure.phase === 'connect') return true;
  return isIdempotent(failure.method) && !failure.bodyStreamed;
}
