import { encodeGrpcMessage } from '../../protocol/grpc/grpcMessage.js';
import { fieldValue, isGrpcContentType } from '../../protocol/grpc/grpcRequest.js';
import { grpcStatusForHttpStatus } from '../../protocol/grpc/grpcResponses.js';
import { parseGrpcStatus } from '../../protocol/grpc/grpcStatus.js';

/** How a response head to a gRPC call goes back to the client. */
export type GrpcHeadPlan =
  /** A gRPC response with a body: relayed as is, its status in the trailers. */
  | { readonly kind: 'relay' }
  /** A trailers-only gRPC response: its one HEADERS frame ends the stream; `status` is its `grpc-status`. */
  | { readonly kind: 'trailersOnly'; readonly status: number }
  /** Not a gRPC response (an HTML error page, a 404): answered as trailers-only with `status`, body dropped. */
  | { readonly kind: 'mapped'; readonly status: number; readonly message: string };

/**
 * Reads a backend's response head to a gRPC call. A `200` with a gRPC `content-type` is gRPC; carrying a
 * `grpc-status` it is trailers-only. Anything else is mapped by its HTTP status as the gRPC docs' table says
 * (`grpc/doc/http-grpc-status-mapping.md`), so a client never receives an HTML page it cannot read.
 */
export function planGrpcHead(status: number, headers: readonly string[]): GrpcHeadPlan {
  const type = fieldValue(headers, 'content-type');
  if (status === 200 && type !== undefined && isGrpcContentType(type)) {
    const grpcStatus = fieldValue(headers, 'grpc-status');
    return grpcStatus === undefined
      ? { kind: 'relay' }
      : { kind: 'trailersOnly', status: parseGrpcStatus(grpcStatus) };
  }
  return {
    kind: 'mapped',
    status: grpcStatusForHttpStatus(status),
    message: `the backend answered HTTP ${status}${type === undefined ? '' : ` (${type.split(';')[0]})`}, not gRPC`,
  };
}

/**
 * A trailers-only answer as HTTP/2 fields: `:status 200`, `content-type: application/grpc`, the status and
 * the percent-encoded message.
 */
export function grpcTrailersOnly(status: number, message: string): string[] {
  const fields = [':status', '200', 'content-type', 'application/grpc', 'grpc-status', String(status)];
  if (message !== '') fields.push('grpc-message', encodeGrpcMessage(message));
  return fields;
}
