import type { Socket } from 'node:net';
import { parseProxyHeader } from '../protocol/proxy/parseProxyHeader.js';
import type { ProxyHeader } from '../protocol/proxy/proxyHeader.js';

/**
 * Reads the PROXY protocol header a trusted peer must open its connection with, then hands the socket on with
 * the bytes after the header put back (`unshift`) and reading paused, so whatever takes the socket next sees
 * the proxied stream from its first byte. A malformed header, another protocol, a peer that closes or one
 * that takes longer than `timeoutMs` has its connection closed and `onRefused` called once; `onHeader` is never
 * called then.
 */
export function readProxyHeader(
  socket: Socket,
  timeoutMs: number,
  onHeader: (header: ProxyHeader) => void,
  onRefused: () => void,
): void {
  let received: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref();
  const stop = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', closed);
  };
  const closed = (): void => {
    stop();
    onRefused();
  };
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const result = parseProxyHeader(received);
    if (result.kind === 'incomplete') return;
    stop();
    if (result.kind === 'invalid') {
      socket.destroy();
      onRefused();
      return;
    }
    socket.pause();
    if (received.length > result.length) socket.unshift(received.subarray(result.length));
    onHeader(result.header);
  };
  socket.on('data', onData);
  socket.once('close', closed);
  socket.on('error', () => socket.destroy());
}
