import { chmodSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { type ErrorCode, LbError } from '@lb/core';
import {
  type ControlRequest,
  type ControlResponse,
  type ControlStatus,
  controlLine,
  controlProtocolVersion,
  maxControlLineBytes,
  parseControlRequest,
} from './controlProtocol.js';
import type { LogBuffer } from './logBuffer.js';
import { ensurePrivateDirectory } from './privateDirectory.js';

/** What the control server drives; the cluster provides it. */
export interface ControlHandler {
  status(): ControlStatus;
  reload(): Promise<void>;
  stop(): Promise<void>;
  scale(processes: number): Promise<void>;
  readonly logs: LogBuffer;
}

// Bounds on what one local client can make the primary hold: connections, queued requests, unread output.
const maxConnections = 32;
const maxQueuedRequests = 16;
const maxUnreadBytes = 1024 * 1024;
/** A connection that sends nothing for this long (and is not following logs) is closed, freeing its slot. */
const idleTimeout = 30_000;

/**
 * Serves the control protocol on a Unix socket readable only by its user (or a named pipe on Windows). Every
 * line is validated; a malformed, oversized or unknown request gets an error answer and the primary carries on.
 * A socket file left by a crashed primary is detected (nothing answers on it) and replaced; a live one means
 * another primary has the name, and `listen()` refuses with `LB_ERR_CONTROL_NAME_IN_USE`.
 */
export class ControlServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly busy = new WeakSet<Socket>();
  private readonly following = new WeakSet<Socket>();
  private closing = false;
  private listening = false;

  constructor(
    /** The socket path or pipe name, from `controlAddress()`. */
    readonly address: string,
    private readonly handler: ControlHandler,
  ) {
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = maxConnections;
  }

  /** Starts listening; rejects if another primary answers on the address. */
  async listen(): Promise<void> {
    const unix = process.platform !== 'win32';
    this.closing = false;
    if (unix) ensurePrivateDirectory(dirname(this.address));
    try {
      await this.tryListen();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      if (!unix || (await answers(this.address))) {
        throw new LbError(
          'LB_ERR_CONTROL_NAME_IN_USE',
          `Another lb named "${this.name}" is running (control socket ${this.address}): stop it with "lb stop --name ${this.name}" or choose another --name.`,
        );
      }
      // Left by a primary that died without closing it: nobody answers, so it is safe to take over.
      unlinkSync(this.address);
      await this.tryListen();
    }
    this.listening = true;
    if (unix) chmodSync(this.address, 0o600);
  }

  /**
   * Stops accepting and removes the socket. Idle connections and `logs -f` followers are ended now; a connection
   * whose request is in progress (such as the `stop` that led here) is ended once it has been answered.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.listening) this.server.close();
    this.listening = false;
    for (const socket of this.sockets) if (!this.busy.has(socket)) socket.end();
  }

  private get name(): string {
    return this.address.replace(/^.*[\\/]/, '').replace(/\.sock$/, '');
  }

  private tryListen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.address, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    socket.setTimeout(idleTimeout, () => {
      if (!this.busy.has(socket) && !this.following.has(socket)) socket.destroy();
    });
    let pending: Buffer = Buffer.alloc(0);
    const queue: string[] = [];
    let running = false;
    const drain = async () => {
      if (running) return;
      running = true;
      for (let line = queue.shift(); line !== undefined; line = queue.shift()) {
        this.busy.add(socket);
        await this.handle(socket, line);
        this.busy.delete(socket);
      }
      running = false;
      if (this.closing && !socket.destroyed) socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (let nl = pending.indexOf(10); nl !== -1; nl = pending.indexOf(10)) {
        if (nl > maxControlLineBytes) {
          this.refuse(socket, null, `request line longer than ${maxControlLineBytes} bytes`);
          return;
        }
        const line = pending.subarray(0, nl).toString('utf8').trim();
        pending = pending.subarray(nl + 1);
        if (line === '') continue;
        if (queue.length >= maxQueuedRequests) {
          this.refuse(socket, null, `more than ${maxQueuedRequests} requests waiting on one connection`);
          return;
        }
        queue.push(line);
      }
      if (pending.length > maxControlLineBytes) {
        this.refuse(socket, null, `request line longer than ${maxControlLineBytes} bytes`);
        return;
      }
      void drain();
    });
  }

  /** Answers with an error and closes a connection whose client cannot be trusted to make sense any more. */
  private refuse(socket: Socket, id: number | null, message: string): void {
    this.send(socket, this.error(id, message));
    socket.end();
    socket.removeAllListeners('data');
  }

  private error(
    id: number | null,
    message: string,
    code: ErrorCode = 'LB_ERR_INVALID_CONTROL_REQUEST',
  ): ControlResponse {
    return { v: controlProtocolVersion, id, ok: false, error: { code, message } };
  }

  private async handle(socket: Socket, line: string): Promise<void> {
    const parsed = parseControlRequest(line);
    if (!parsed.ok) {
      this.send(socket, this.error(parsed.id, parsed.message));
      return;
    }
    const { request } = parsed;
    try {
      const result = await this.run(socket, request);
      this.send(socket, { v: controlProtocolVersion, id: request.id, ok: true, result });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.send(socket, this.error(request.id, message, err instanceof LbError ? err.code : undefined));
    }
  }

  private async run(socket: Socket, request: ControlRequest): Promise<unknown> {
    const { handler } = this;
    switch (request.cmd) {
      case 'status':
        return handler.status();
      case 'reload':
        await handler.reload();
        return null;
      case 'stop':
        await handler.stop();
        return null;
      case 'scale':
        await handler.scale(request.processes);
        return null;
      case 'logs': {
        const lines = handler.logs.recent(request.lines);
        if (request.follow && !this.closing) this.follow(socket, request.id);
        return { lines };
      }
    }
  }

  /** Streams every new line to a `logs -f` client until it goes away (or reads too slowly to keep up). */
  private follow(socket: Socket, id: number): void {
    // One stream per connection: repeating the request must not multiply what the primary sends.
    if (this.following.has(socket)) return;
    this.following.add(socket);
    // Subscribed after the answer is queued, so recent lines always come before new ones.
    setImmediate(() => {
      if (socket.destroyed) return;
      const off = this.handler.logs.subscribe((log) => {
        if (socket.writableLength > maxUnreadBytes) {
          socket.destroy();
          return;
        }
        this.send(socket, { v: controlProtocolVersion, id, log });
      });
      socket.once('close', off);
    });
  }

  private send(socket: Socket, message: ControlResponse): void {
    if (!socket.destroyed && socket.writable) socket.write(controlLine(message));
  }
}

/** True if something accepts connections on the socket. */
function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(address);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
