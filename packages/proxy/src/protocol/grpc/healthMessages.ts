import { LbError } from '@lb/core';

/** `grpc.health.v1.HealthCheckResponse.ServingStatus`. */
export const ServingStatus = {
  UNKNOWN: 0,
  SERVING: 1,
  NOT_SERVING: 2,
  SERVICE_UNKNOWN: 3,
} as const;

/** A `ServingStatus` value; a server may send a number this list does not name yet. */
export type ServingStatusCode = number;

function malformed(what: string): never {
  throw new LbError('LB_ERR_UPSTREAM_PROTOCOL', `malformed grpc.health.v1 message: ${what}`);
}

/** Reads a base-128 varint at `offset`; returns its value (up to 2^53) and the offset after it. */
function readVarint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i + 1];
    scale *= 128;
  }
  return malformed('a varint runs past the end');
}

function writeVarint(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/**
 * Walks the fields of a protobuf message, calling `field` with each field number, wire type and value
 * (a number for varints, the bytes for length-delimited fields); fixed-width fields are skipped.
 */
function readFields(
  bytes: Uint8Array,
  field: (number: number, wireType: number, value: number | Uint8Array) => void,
): void {
  let offset = 0;
  while (offset < bytes.length) {
    const [key, afterKey] = readVarint(bytes, offset);
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) malformed('field number 0');
    offset = afterKey;
    switch (wireType) {
      case 0: {
        const [value, next] = readVarint(bytes, offset);
        field(number, wireType, value);
        offset = next;
        break;
      }
      case 1:
        offset += 8;
        break;
      case 2: {
        const [length, next] = readVarint(bytes, offset);
        if (next + length > bytes.length) malformed('a field runs past the end');
        field(number, wireType, bytes.subarray(next, next + length));
        offset = next + length;
        break;
      }
      case 5:
        offset += 4;
        break;
      default:
        malformed(`wire type ${wireType}`);
    }
    if (offset > bytes.length) malformed('a fixed-width field runs past the end');
  }
}

/** Encodes `HealthCheckRequest { string service = 1; }`; the empty service is the default, so no bytes. */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const text = Buffer.from(service, 'utf8');
  const head: number[] = [0x0a];
  writeVarint(text.length, head);
  return Buffer.concat([Buffer.from(head), text]);
}

/** Decodes a `HealthCheckRequest`, skipping unknown fields; the last `service` wins, as protobuf says. */
export function decodeHealthCheckRequest(bytes: Uint8Array): { service: string } {
  let service = '';
  readFields(bytes, (number, wireType, value) => {
    if (number !== 1) return;
    if (wireType !== 2) malformed('service is not length-delimited');
    service = Buffer.from(value as Uint8Array).toString('utf8');
  });
  return { service };
}

/** Encodes `HealthCheckResponse { ServingStatus status = 1; }`; `UNKNOWN` (0) is the default, so no bytes. */
export function encodeHealthCheckResponse(status: ServingStatusCode): Buffer {
  if (status === 0) return Buffer.alloc(0);
  const out: number[] = [0x08];
  writeVarint(status, out);
  return Buffer.from(out);
}

/** Decodes a `HealthCheckResponse`, skipping unknown fields; no `status` field means `UNKNOWN`. */
export function decodeHealthCheckResponse(bytes: Uint8Array): { status: ServingStatusCode } {
  let status: number = ServingStatus.UNKNOWN;
  readFields(bytes, (number, wireType, value) => {
    if (number !== 1) return;
    if (wireType !== 0) malformed('status is not a varint');
    status = value as number;
  });
  return { status };
}
