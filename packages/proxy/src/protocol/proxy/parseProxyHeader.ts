import { crc32c } from './crc32c.js';
import { isIPv4Bytes, isIPv6Bytes } from './ipBytes.js';
import { ipv4Text, ipv6Text } from './ipText.js';
import type { ProxyEndpoint, ProxyHeader, ProxyParseResult } from './proxyHeader.js';

/** The 12 bytes every v2 header starts with. */
export const proxyV2Signature = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const v1Prefix = Buffer.from('PROXY ', 'latin1');
/** The longest v1 line the specification allows, CRLF included. */
const v1MaxLength = 107;
const v2FixedLength = 16;
/** Address block sizes per v2 family: INET, INET6, UNIX. */
const addressLengths = [0, 12, 36, 216] as const;
const tlvCrc32c = 0x03;
const incomplete: ProxyParseResult = { kind: 'incomplete' };
const noTlvs: ReadonlyMap<number, Buffer> = new Map();

const invalid = (reason: string): ProxyParseResult => ({ kind: 'invalid', reason });

/** Whether `bytes` is so far a prefix of `expected`. */
function startsLike(bytes: Uint8Array, expected: Uint8Array): boolean {
  const n = Math.min(bytes.length, expected.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== expected[i]) return false;
  return true;
}

/**
 * Reads a PROXY protocol header (v1 or v2) from the start of the bytes a connection has received so far.
 * Pure and strict: it says `incomplete` only while the bytes can still become a valid header, so a header split
 * at any byte parses the same, and anything else (another protocol, a malformed or oversized header) is
 * `invalid` as early as it can tell.
 */
export function parseProxyHeader(bytes: Buffer): ProxyParseResult {
  if (startsLike(bytes, proxyV2Signature)) {
    return bytes.length < proxyV2Signature.length ? incomplete : parseV2(bytes);
  }
  if (startsLike(bytes, v1Prefix)) return bytes.length < v1Prefix.length ? incomplete : parseV1(bytes);
  return invalid('not a PROXY protocol header');
}

/** Where a v1 line's fields start: after `PROXY ` and after `PROXY TCP4 ` (or `TCP6 `). */
const v1FieldsAt = v1Prefix.length;
const v1AddressesAt = v1FieldsAt + 5;
const tooLong = 'v1 header longer than 107 bytes';
const controlByte = 'v1 header has a control byte';
/** Where the first four spaces of the line being read are (scratch: a parse runs to its end synchronously). */
const spaces = new Int32Array(4);

/**
 * Reads a v1 line straight from the bytes, in one pass that finds its end and its spaces: every byte of the line
 * must be printable ASCII (so a header parses the same at every split), and the fields are checked where they
 * lie, without a string of the line, a split or a regular expression; only the addresses become a string, for
 * the result.
 */
function parseV1(bytes: Buffer): ProxyParseResult {
  const received = bytes.length;
  const limit = Math.min(received, v1MaxLength);
  let end = -1;
  let spaceCount = 0;
  for (let i = v1FieldsAt; i < limit; i++) {
    const b = bytes[i]!;
    if (b > 0x20 && b < 0x7f) continue;
    if (b === 0x20) {
      if (spaceCount < 4) spaces[spaceCount] = i;
      spaceCount++;
      continue;
    }
    if (b !== 0x0d) return invalid(controlByte);
    if (i + 1 === received) break;
    if (bytes[i + 1] !== 0x0a) return invalid(controlByte);
    if (i + 2 > v1MaxLength) return invalid(tooLong);
    end = i;
    break;
  }
  // No CRLF (or a CR last): more may come, unless 107 bytes came without one.
  if (end === -1) return received >= v1MaxLength ? invalid(tooLong) : incomplete;
  const length = end + 2;
  if (isWord(bytes, v1FieldsAt, end, unknownWord)) {
    // The sender does not know the client: keep the connection's addresses (the rest of the line is ignored).
    return { kind: 'complete', length, header: v1Header('unknown', undefined, undefined) };
  }
  // `TCP4` or `TCP6`, then four fields one space apart: source and destination address, source and
  // destination port.
  const family = spaceCount === 4 && spaces[0] === v1AddressesAt - 1 ? v1Family(bytes) : undefined;
  if (family === undefined) return invalid('malformed v1 header');
  const sourceEnd = spaces[1]!;
  const destinationEnd = spaces[2]!;
  const sourcePortEnd = spaces[3]!;
  const valid = family === 'tcp4' ? isIPv4Bytes : isIPv6Bytes;
  const sourcePort = portAt(bytes, destinationEnd + 1, sourcePortEnd);
  const destinationPort = portAt(bytes, sourcePortEnd + 1, end);
  if (
    sourcePort < 0 ||
    destinationPort < 0 ||
    !valid(bytes, v1AddressesAt, sourceEnd) ||
    !valid(bytes, sourceEnd + 1, destinationEnd)
  )
    return invalid('malformed v1 address or port');
  // One string for both addresses: making a string from bytes costs more than anything else here.
  const addresses = bytes.toString('latin1', v1AddressesAt, destinationEnd);
  const split = sourceEnd - v1AddressesAt;
  const source = { address: addresses.slice(0, split), port: sourcePort };
  const destination = { address: addresses.slice(split + 1), port: destinationPort };
  return { kind: 'complete', length, header: v1Header(family, source, destination) };
}

const unknownWord = Buffer.from('UNKNOWN', 'latin1');
const tcp4Word = Buffer.from('TCP4 ', 'latin1');
const tcp6Word = Buffer.from('TCP6 ', 'latin1');

/** Whether the field at `at` is `word`: followed by a space or the line's end. */
function isWord(bytes: Buffer, at: number, end: number, word: Buffer): boolean {
  const after = at + word.length;
  if (after > end || (after < end && bytes[after] !== 0x20)) return false;
  return matches(bytes, at, word);
}

function v1Family(bytes: Buffer): 'tcp4' | 'tcp6' | undefined {
  if (matches(bytes, v1FieldsAt, tcp4Word)) return 'tcp4';
  if (matches(bytes, v1FieldsAt, tcp6Word)) return 'tcp6';
  return undefined;
}

/** Whether `word` is at `at` (a loop: for a few bytes, cheaper than a native compare). */
function matches(bytes: Buffer, at: number, word: Buffer): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word[i]) return false;
  return true;
}

/** A decimal port from `start` to `end`: 0, or 1 to 5 digits without a leading zero, at most 65535; else -1. */
function portAt(bytes: Buffer, start: number, end: number): number {
  const digits = end - start;
  if (digits < 1 || digits > 5 || (digits > 1 && bytes[start] === 0x30)) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value > 65535 ? -1 : value;
}

function v1Header(
  family: ProxyHeader['family'],
  source: ProxyEndpoint | undefined,
  destination: ProxyEndpoint | undefined,
): ProxyHeader {
  return { version: 1, command: 'proxy', family, source, destination, tlvs: noTlvs };
}

function parseV2(bytes: Buffer): ProxyParseResult {
  if (bytes.length > 12 && bytes[12]! >> 4 !== 2) return invalid('unsupported v2 version');
  if (bytes.length > 12 && (bytes[12]! & 0x0f) > 1) return invalid('unknown v2 command');
  if (bytes.length > 13 && (bytes[13]! >> 4 > 3 || (bytes[13]! & 0x0f) > 2)) {
    return invalid('unknown v2 address family or transport');
  }
  if (bytes.length < v2FixedLength) return incomplete;
  const length = v2FixedLength + bytes.readUInt16BE(14);
  if (bytes.length < length) return incomplete;
  const local = (bytes[12]! & 0x0f) === 0;
  const familyCode = bytes[13]! >> 4;
  const transport = bytes[13]! & 0x0f;
  if (local) {
    // A health check from the proxy itself: the address block, whatever it holds, is ignored.
    const header: ProxyHeader = {
      version: 2,
      command: 'local',
      family: 'unknown',
      source: undefined,
      destination: undefined,
      tlvs: noTlvs,
    };
    return { kind: 'complete', length, header };
  }
  if (familyCode !== 0 && transport !== 1) return invalid('v2 transport is not a stream');
  const addressLength = addressLengths[familyCode as 0 | 1 | 2 | 3];
  if (familyCode !== 0 && length - v2FixedLength < addressLength)
    return invalid('v2 address block too short');
  const tlvs = familyCode === 0 ? noTlvs : readTlvs(bytes, v2FixedLength + addressLength, length);
  if (tlvs === undefined) return invalid('malformed v2 TLV');
  if (!crcMatches(bytes, length, tlvs)) return invalid('v2 CRC32C mismatch');
  const { source, destination } = addresses(bytes, familyCode);
  const family = (['unknown', 'tcp4', 'tcp6', 'unix'] as const)[familyCode]!;
  const header: ProxyHeader = { version: 2, command: 'proxy', family, source, destination, tlvs };
  return { kind: 'complete', length, header };
}

function readTlvs(bytes: Buffer, start: number, end: number): Map<number, Buffer> | undefined {
  const tlvs = new Map<number, Buffer>();
  let at = start;
  while (at < end) {
    if (at + 3 > end) return undefined;
    const type = bytes[at]!;
    const valueLength = bytes.readUInt16BE(at + 1);
    if (at + 3 + valueLength > end) return undefined;
    if (tlvs.has(type)) return undefined;
    tlvs.set(type, bytes.subarray(at + 3, at + 3 + valueLength));
    at += 3 + valueLength;
  }
  return tlvs;
}

/** A CRC32C extension, when present, covers the whole header with its own value read as zero. */
function crcMatches(bytes: Buffer, length: number, tlvs: ReadonlyMap<number, Buffer>): boolean {
  const crc = tlvs.get(tlvCrc32c);
  if (crc === undefined) return true;
  if (crc.length !== 4) return false;
  const expected = crc.readUInt32BE(0);
  const copy = Buffer.from(bytes.subarray(0, length));
  copy.fill(0, crc.byteOffset - bytes.byteOffset, crc.byteOffset - bytes.byteOffset + 4);
  return crc32c(copy) === expected;
}

function addresses(bytes: Buffer, familyCode: number): Pick<ProxyHeader, 'source' | 'destination'> {
  const at = v2FixedLength;
  if (familyCode === 1) {
    return {
      source: { address: ipv4Text(bytes, at), port: bytes.readUInt16BE(at + 8) },
      destination: { address: ipv4Text(bytes, at + 4), port: bytes.readUInt16BE(at + 10) },
    };
  }
  if (familyCode === 2) {
    return {
      source: { address: ipv6Text(bytes, at), port: bytes.readUInt16BE(at + 32) },
      destination: { address: ipv6Text(bytes, at + 16), port: bytes.readUInt16BE(at + 34) },
    };
  }
  if (familyCode === 3) {
    const path = (offset: number) => {
      const block = bytes.subarray(offset, offset + 108);
      const nul = block.indexOf(0);
      return block.toString('utf8', 0, nul === -1 ? 108 : nul);
    };
    return { source: { address: path(at), port: 0 }, destination: { address: path(at + 108), port: 0 } };
  }
  return { source: undefined, destination: undefined };
}
