import { sameIgnoringAsciiCase } from '../http1/fieldTable.js';

const GRPC_TYPE = 'application/grpc';

/**
 * Whether a `content-type` value names gRPC: `application/grpc` alone or with a subtype (`application/grpc+proto`,
 * `application/grpc-web` is not gRPC over HTTP/2 and does not count), case-insensitively as media types are.
 */
export function isGrpcContentType(value: string): boolean {
  if (value.length < 16 || !sameIgnoringAsciiCase(value, GRPC_TYPE)) return false;
  if (value.length === 16) return true;
  const next = value.charCodeAt(16);
  // `+` a subtype, `;` parameters, space before parameters.
  return next === 0x2b || next === 0x3b || next === 0x20;
}

/** Whether a flat `[name, value, …]` field list is a gRPC request: its `content-type` names gRPC. */
export function isGrpcRequest(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 12 && name.toLowerCase() === 'content-type')
      return isGrpcContentType(rawHeaders[i + 1]!);
  }
  return false;
}

/** The value of the first field named `lowerName` in a flat list, or `undefined`. */
export function fieldValue(rawHeaders: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return rawHeaders[i + 1];
  }
  return undefined;
}
