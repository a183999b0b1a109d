/** The gRPC status codes (`grpc/doc/statuscodes.md`), by name. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code number. */
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

/** A gRPC status code name, such as `'UNAVAILABLE'`. */
export type GrpcStatusName = keyof typeof GrpcStatus;

const names: readonly GrpcStatusName[] = Object.keys(GrpcStatus) as GrpcStatusName[];

/** The name of a status code, or `undefined` for a number gRPC does not define. */
export function grpcStatusName(code: number): GrpcStatusName | undefined {
  return Number.isInteger(code) && code >= 0 && code < names.length ? names[code] : undefined;
}

/**
 * Reads a `grpc-status` value: a decimal code gRPC defines. Anything else (missing, not a number, out of range)
 * is `UNKNOWN`, as the gRPC protocol doc has clients treat a status they cannot read.
 */
export function parseGrpcStatus(value: string | undefined): GrpcStatusCode {
  if (value === undefined || !/^[0-9]{1,2}$/.test(value)) return GrpcStatus.UNKNOWN;
  const code = Number(value);
  return grpcStatusName(code) === undefined ? GrpcStatus.UNKNOWN : (code as GrpcStatusCode);
}
