import type { Socket } from 'node:net';
import { parseProxyHeader } from '../protocol/proxy/parseProxyHeader.js';
import type { ProxyHeader } from '../protocol/proxy/proxyHeader.js';

/** Where a {@link ProxyHeaderReader} hands each connection once its PROXY header is read or refused. */
export interface ProxyHeaderOwner {
  /**
   * The header arrived: the socket is paused, with the bytes after the header put back (`unshift`), so whatever
   * takes the socket next sees the proxied stream from its first byte.
   */
  onHeader(socket: Socket, header: ProxyHeader): void;
  /**
   * The connection was closed for its header: malformed, another protocol, closed by the peer or not complete
   * in time. `startedAt` is when reading began (`performance.now()`).
   */
  onRefused(socket: Socket, startedAt: number): void;
}

/** A connection whose header is not complete yet. */
interface Pending {
  readonly startedAt: number;
  /** The bytes of an unfinished header, when it came in more than one chunk. */
  received: Buffer | undefined;
}

/**
 * Reads the PROXY protocol header trusted peers must open their connections with, for every connection of one
 * listener. A connection costs one map entry and three listeners shared by all of them (no timer, no closure):
 * its deadline is enforced by {@link check}, which the listener calls from the sweep it runs anyway, so a late
 * header is refused within one sweep after `timeoutMs`.
 */
export class ProxyHeaderReader {
  private readonly pending = new Map<Socket, Pending>();
  private readonly onData: (this: Socket, chunk: Buffer) => void;
  private readonly onClose: (this: Socket) => void;

  constructor(
    private readonly timeoutMs: number,
    private readonly owner: ProxyHeaderOwner,
  ) {
    // Node calls a listener with the socket as `this`, so one function per reader serves every connection.
    const reader = this;
    this.onData = function onData(this: Socket, chunk: Buffer): void {
      reader.data(this, chunk);
    };
    this.onClose = function onClose(this: Socket): void {
      reader.closed(this);
    };
  }

  /** Starts reading the header of a new connection; the owner hears of it exactly once. */
  read(socket: Socket): void {
    this.pending.set(socket, { startedAt: performance.now(), received: undefined });
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', destroyOnError);
  }

  /** Closes the connections whose header is overdue; each is then refused when its `close` event comes. */
  check(): void {
    const now = performance.now();
    for (const [socket, pending] of this.pending)
      if (now - pending.startedAt >= this.timeoutMs) socket.destroy();
  }

  /** Closes every connection still waiting for its header (nothing of a request has arrived on them). */
  closeAll(): void {
    for (const socket of this.pending.keys()) socket.destroy();
  }

  private data(socket: Socket, chunk: Buffer): void {
    const pending = this.pending.get(socket);
    if (pending === undefined) return;
    const received = pending.received === undefined ? chunk : Buffer.concat([pending.received, chunk]);
    const result = parseProxyHeader(received);
    if (result.kind === 'incomplete') {
      pending.received = received;
      return;
    }
    this.release(socket);
    if (result.kind === 'invalid') {
      socket.destroy();
      this.owner.onRefused(socket, pending.startedAt);
      return;
    }
    socket.pause();
    if (received.length > result.length) socket.unshift(received.subarray(result.length));
    this.owner.onHeader(socket, result.header);
  }

  private closed(socket: Socket): void {
    const pending = this.pending.get(socket);
    if (pending === undefined) return;
    this.release(socket);
    this.owner.onRefused(socket, pending.startedAt);
  }

  private release(socket: Socket): void {
    this.pending.delete(socket);
    socket.off('data', this.onData);
    socket.off('close', this.onClose);
  }
}

/** A socket error before or after the header closes the connection rather than reaching the process. */
function destroyOnError(this: Socket): void {
  this.destroy();
}
