import { fieldValue } from '../../protocol/grpc/grpcRequest.js';
import { formatGrpcTimeout, parseGrpcTimeout } from '../../protocol/grpc/grpcTimeout.js';
import { ReplayableBody } from '../../upstream/replayableBody.js';

/**
 * Request body bytes of a gRPC call kept so the call can go to another backend after an `UNAVAILABLE` failure;
 * a call whose body outgrows it is not retried once its body started out.
 */
const GRPC_REPLAY_LIMIT = 64 * 1024;

/**
 * What the balancer keeps for one gRPC call: its deadline (from `grpc-timeout`), enforced here and forwarded to
 * each attempt as the time left, and a bounded copy of its request body for a retry.
 */
export class GrpcCall {
  /** `performance.now()` at which the call's deadline passes; `undefined` without a `grpc-timeout`. */
  private readonly deadline: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly body = new ReplayableBody(GRPC_REPLAY_LIMIT);
  /** The client's request trailers once its body ended; `undefined` while it streams. */
  requestTrailers: readonly string[] | undefined = undefined;

  constructor(rawHeaders: readonly string[], startedAt: number, onDeadline: () => void) {
    const timeout = parseGrpcTimeout(fieldValue(rawHeaders, 'grpc-timeout'));
    if (timeout === undefined) return;
    this.deadline = startedAt + timeout;
    // Timers hold 2^31-1 ms at most; a longer deadline is as good as none for a timer.
    if (timeout < 2 ** 31 - 1) this.timer = setTimeout(onDeadline, Math.ceil(timeout));
  }

  /**
   * The request fields for one attempt: `grpc-timeout` rewritten to the time left, so the backend stops when
   * the client will (a retry gets less than the first attempt did).
   */
  headersFor(headers: readonly string[]): readonly string[] {
    if (this.deadline === undefined) return headers;
    const left = formatGrpcTimeout(this.deadline - performance.now());
    const out = headers.slice();
    for (let i = 0; i < out.length; i += 2) {
      if (out[i]!.toLowerCase() === 'grpc-timeout') out[i + 1] = left;
    }
    return out;
  }

  /** The call ended: its deadline no longer matters. */
  stop(): void {
    clearTimeout(this.timer);
    this.body.release();
  }
}
