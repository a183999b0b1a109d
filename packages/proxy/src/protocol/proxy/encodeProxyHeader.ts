import { isIP, isIPv4 } from 'node:net';
import { proxyV2Signature } from './parseProxyHeader.js';
import type { ProxyEndpoint } from './proxyHeader.js';

/** Node reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`; the header names them as IPv4. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function ipv6Bytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [
    ...headGroups,
    ...Array(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ];
  for (const [i, group] of groups.entries()) out.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  return out;
}

/**
 * The PROXY protocol header that tells a backend who the client is, as HAProxy's `send-proxy` (v1) and
 * `send-proxy-v2` (v2) write it. An IPv4 end beside an IPv6 one goes as IPv4-mapped IPv6; an end that is not an
 * IP address makes it `UNKNOWN` (v1) or `UNSPEC` (v2), and the backend then uses the connection's own.
 */
export function encodeProxyHeader(version: 1 | 2, source: ProxyEndpoint, destination: ProxyEndpoint): Buffer {
  let from = unmapped(source.address);
  let to = unmapped(destination.address);
  let family = isIPv4(from) && isIPv4(to) ? 4 : 0;
  if (family === 0 && isIP(from) !== 0 && isIP(to) !== 0) {
    // One IPv4 end and one IPv6 end: both go as IPv6, the IPv4 one mapped.
    family = 6;
    if (isIPv4(from)) from = `::ffff:${from}`;
    if (isIPv4(to)) to = `::ffff:${to}`;
  }
  if (version === 1) {
    if (family === 0) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
    return Buffer.from(`PROXY TCP${family} ${from} ${to} ${source.port} ${destination.port}\r\n`, 'latin1');
  }
  const addressLength = family === 4 ? 12 : family === 6 ? 36 : 0;
  const out = Buffer.alloc(16 + addressLength);
  proxyV2Signature.copy(out, 0);
  out[12] = 0x21; // version 2, PROXY
  out[13] = family === 4 ? 0x11 : family === 6 ? 0x21 : 0x00; // INET/INET6 over STREAM, or UNSPEC
  out.writeUInt16BE(addressLength, 14);
  if (family === 4) {
    Buffer.from(from.split('.').map(Number)).copy(out, 16);
    Buffer.from(to.split('.').map(Number)).copy(out, 20);
    out.writeUInt16BE(source.port, 24);
    out.writeUInt16BE(destination.port, 26);
  } else if (family === 6) {
    ipv6Bytes(from).copy(out, 16);
    ipv6Bytes(to).copy(out, 32);
    out.writeUInt16BE(source.port, 48);
    out.writeUInt16BE(destination.port, 50);
  }
  return out;
}
