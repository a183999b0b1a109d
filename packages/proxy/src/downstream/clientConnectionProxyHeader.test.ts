import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeProxyHeader } from '../protocol/proxy/encodeProxyHeader.js';
import { proxyV2Signature } from '../protocol/proxy/parseProxyHeader.js';
import { ClientConnection, type ClientConnectionOwner, type RejectedRequest } from './clientConnection.js';
import type { ClientExchange } from './clientExchange.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const v1 = Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 5555 80\r\n', 'latin1');
/** A v2 header for an IPv6 client with an authority TLV (type 0x02) appended and its length grown to match. */
const v2 = (() => {
  const header = encodeProxyHeader(
    2,
    { address: '2001:db8::7', port: 4000 },
    { address: '2001:db8::1', port: 80 },
  );
  const tlv = Buffer.from([0x02, 0x00, 0x02, 0x6c, 0x62]);
  const withTlv = Buffer.concat([header, tlv]);
  withTlv.writeUInt16BE(header.readUInt16BE(14) + tlv.length, 14);
  return withTlv;
})();
const v2Local = Buffer.concat([proxyV2Signature, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: lb\r\n\r\n`;

/** What the connection told its owner. */
class RecordingOwner implements ClientConnectionOwner {
  readonly limits = {
    headersTimeout: 10,
    requestTimeout: 0,
    keepAliveTimeout: 0,
    maxHeaderSize: 16 * 1024,
    maxHeaderCount: 100,
    allowTrace: false,
    underscoreHeaders: 'allow' as const,
  };
  readonly stopping = false;
  readonly requests: { url: string; client: string }[] = [];
  readonly rejected: RejectedRequest[] = [];
  readonly errors: Error[] = [];
  refused = 0;
  closed = 0;

  onRequest(exchange: ClientExchange): void {
    this.requests.push({ url: exchange.url, client: exchange.connection.remoteAddress });
  }
  onUpgrade(): void {
    throw new Error('no upgrade expected');
  }
  onError(error: Error): void {
    this.errors.push(error);
  }
  onRejected(rejection: RejectedRequest): void {
    this.rejected.push(rejection);
  }
  onProxyHeaderRefused(): void {
    this.refused++;
  }
  connectionClosed(): void {
    this.closed++;
  }
}

/**
 * A loopback connection whose accepted side is a {@link ClientConnection} awaiting a PROXY header (accepted at
 * `acceptedAt`), and a client that writes each chunk only once the previous one was read, so every chunk
 * arrives as its own read.
 */
async function connection(proxyHeaderTimeout = 10_000, acceptedAt = Date.now()) {
  const owner = new RecordingOwner();
  let accepted: { socket: Socket; connection: ClientConnection } | undefined;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    accepted = {
      socket,
      connection: new ClientConnection(socket, owner, acceptedAt, undefined, proxyHeaderTimeout),
    };
  }).listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  sockets.push(client);
  client.setNoDelay(true);
  client.on('error', () => {});
  await once(client, 'connect');
  while (accepted === undefined) await once(server, 'connection', { signal: AbortSignal.timeout(5000) });
  const { socket } = accepted;
  const send = async (...chunks: Buffer[]) => {
    for (const chunk of chunks) {
      const target = socket.bytesRead + chunk.length;
      client.write(chunk);
      while (socket.bytesRead < target) await once(socket, 'data', { signal: AbortSignal.timeout(5000) });
    }
  };
  return { owner, client, socket, connection: accepted.connection, send };
}

describe('ClientConnection reading a PROXY header inline', () => {
  it.each([
    ['v1', v1, '203.0.113.7'],
    ['v2 with a TLV', v2, '2001:db8::7'],
  ] as const)('takes a %s header and the requests after it at every split', async (_name, header, client) => {
    const bytes = Buffer.concat([header, Buffer.from(get('/one') + get('/two'), 'latin1')]);
    for (let n = 1; n < bytes.length; n++) {
      const { owner, send } = await connection();
      await send(bytes.subarray(0, n), bytes.subarray(n));
      // The first request is read; the second waits for its answer, as pipelined requests do.
      expect(owner.requests, `split at ${n}`).toEqual([{ url: '/one', client }]);
      expect(owner.refused + owner.rejected.length + owner.errors.length).toBe(0);
    }
  });

  it('takes a header and a request sent one byte at a time', async () => {
    const bytes = Buffer.concat([v1, Buffer.from(get('/x'), 'latin1')]);
    const { owner, send } = await connection();
    await send(...Array.from(bytes, (b) => Buffer.from([b])));
    expect(owner.requests).toEqual([{ url: '/x', client: '203.0.113.7' }]);
  });

  it('reads the request from where the header ends: empty lines skipped, a refusal counts its bytes only', async () => {
    const skipped = await connection();
    await skipped.send(Buffer.concat([v1, Buffer.from(`\r\n\r\n${get('/after')}`, 'latin1')]));
    expect(skipped.owner.requests).toEqual([{ url: '/after', client: '203.0.113.7' }]);
    const refused = await connection();
    const noHost = 'GET / HTTP/1.1\r\n\r\n';
    // The 400 is read (and dropped) so that the client sees the end and closes.
    refused.client.resume();
    const closed = once(refused.client, 'close');
    await refused.send(Buffer.concat([v1, Buffer.from(noHost, 'latin1')]));
    await closed;
    expect(refused.owner.rejected).toMatchObject([
      { status: 400, remoteAddress: '203.0.113.7', bytesIn: noHost.length },
    ]);
    expect(refused.owner.refused).toBe(0);
  });

  it('keeps the socket address for a v2 LOCAL header and a v1 UNKNOWN one', async () => {
    for (const header of [v2Local, Buffer.from('PROXY UNKNOWN\r\n')]) {
      const { owner, send } = await connection();
      await send(header, Buffer.from(get('/'), 'latin1'));
      expect(owner.requests).toEqual([{ url: '/', client: '127.0.0.1' }]);
    }
  });

  it('refuses a malformed header, or a request where the header must be, once and with the connection closed', async () => {
    for (const bytes of [
      `PROXY TCP4 999.0.0.1 10.0.0.1 1 2\r\n${get('/')}`,
      get('/'),
      'PROXY TCP4 203.0.113.7\n',
      'PROXY UNKNOWN \x00\r\n',
    ]) {
      const { owner, client, send } = await connection();
      const closed = once(client, 'close');
      await send(Buffer.from(bytes, 'latin1'));
      await closed;
      expect(owner.refused, bytes).toBe(1);
      expect(owner.requests).toEqual([]);
      expect(owner.rejected).toEqual([]);
      expect(owner.closed).toBe(1);
    }
  });

  it('refuses once a connection closed or half-closed before its header was complete', async () => {
    for (const close of ['destroy', 'end'] as const) {
      const { owner, client, socket, send } = await connection();
      await send(v1.subarray(0, 20));
      const closed = once(socket, 'close');
      client[close]();
      await closed;
      expect(owner.refused, close).toBe(1);
      expect(owner.requests).toEqual([]);
    }
  });

  it('closes at the header deadline, not the request one, which starts once the header is read', async () => {
    const acceptedAt = Date.now() - 60_000;
    const waiting = await connection(1000, acceptedAt);
    // The headers timeout (10 ms) does not apply while the PROXY header is awaited.
    waiting.connection.check(acceptedAt + 999);
    expect(waiting.socket.destroyed).toBe(false);
    const closed = once(waiting.socket, 'close');
    waiting.connection.check(acceptedAt + 1000);
    await closed;
    expect(waiting.owner.refused).toBe(1);

    // Accepted a minute ago with a two-minute header deadline: the header arrives now, and the request deadline
    // (10 ms) counts from here.
    const read = await connection(120_000, acceptedAt);
    const afterHeader = Date.now();
    await read.send(v1);
    read.connection.check(afterHeader);
    expect(read.socket.destroyed).toBe(false);
    read.connection.check(Date.now() + 10);
    expect(read.socket.destroyed).toBe(true);
    expect(read.owner.refused).toBe(0);
  });
});
