import { PrometheusWriter } from './prometheusText.js';

/** The gRPC status names, by code (`grpc/doc/statuscodes.md`), as the `grpc_status` label writes them. */
const statusNames = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/**
 * gRPC calls by the status their client was sent, one series per status name (17 at most) plus `none` for a
 * call cut short before any status (the client went away, the stream was reset), so the series stay bounded
 * whatever the backends send.
 */
export class GrpcMetrics {
  private readonly byStatus = new Array<number>(statusNames.length + 1).fill(0);

  /** A proxied gRPC call ended; `status` is the `grpc-status` its client got, if it got one. */
  callEnded(status: number | undefined): void {
    const index =
      status !== undefined && status >= 0 && status < statusNames.length ? status : statusNames.length;
    this.byStatus[index]!++;
  }

  /**
   * The exposition text of several groups' counters summed: only statuses seen so far, so an idle balancer
   * adds no series.
   */
  static prometheus(all: readonly GrpcMetrics[]): string {
    const out = new PrometheusWriter();
    out.family('lb_grpc_calls_total', 'counter', 'Proxied gRPC calls by the grpc-status their client got.');
    for (let i = 0; i <= statusNames.length; i++) {
      let count = 0;
      for (const m of all) count += m.byStatus[i]!;
      if (count > 0) out.sample('lb_grpc_calls_total', { grpc_status: statusNames[i] ?? 'none' }, count);
    }
    return out.toString();
  }
}
