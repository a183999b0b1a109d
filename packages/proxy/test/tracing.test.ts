import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, LoadBalancer, TcpLoadBalancer } from '../src/index.js';
import { isValidTraceparent } from '../src/protocol/http1/traceContext.js';
import { cleanup, onCleanup, raw, send, startBackend, startBalancer, until } from './helpers.js';

afterEach(cleanup);

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const tracestate = 'vendor=opaque,other=1';

/** Every value of `name` the backend received, in order. */
function valuesOf(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  }
  return values;
}

function collector(): { stream: Writable; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') entries.push(JSON.parse(line));
      done();
    },
  });
  return { stream, entries };
}

/** A backend that records the head of an upgrade request and switches protocols. */
async function upgradeBackend(): Promise<{
  backend: { id: string; host: string; port: number };
  heads: string[];
}> {
  const heads: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n') || heads.length > 0) return;
      heads.push(head);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    backend: { id: 'ws', host: '127.0.0.1', port: (server.address() as { port: number }).port },
    heads,
  };
}

describe('trace context', () => {
  it('passes traceparent and tracestate unchanged by default, adding nothing', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend]);
    await send(port, { headers: { traceparent, tracestate } });
    const { rawHeaders } = backend.requests[0]!;
    expect(valuesOf(rawHeaders, 'traceparent')).toEqual([traceparent]);
    expect(valuesOf(rawHeaders, 'tracestate')).toEqual([tracestate]);
    expect(valuesOf(rawHeaders, 'x-request-id')).toEqual([]);
  });

  it('passes them unchanged through a WebSocket upgrade, with tracing on too', async () => {
    for (const tracing of [undefined, { generate: true }]) {
      const { backend, heads } = await upgradeBackend();
      const { port } = await startBalancer([backend], tracing === undefined ? {} : { tracing });
      const reply = await raw(
        port,
        'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          `traceparent: ${traceparent}\r\ntracestate: ${tracestate}\r\n\r\n`,
      );
      expect(reply).toMatch(/^HTTP\/1\.1 101/);
      expect(heads[0]).toContain(`\r\ntraceparent: ${traceparent}\r\n`);
      expect(heads[0]).toContain(`\r\ntracestate: ${tracestate}\r\n`);
      expect(heads[0]!.match(/traceparent/gi)).toHaveLength(1);
    }
  });

  it('keeps a valid traceparent with generate on, and logs its trace id', async () => {
    const backend = await startBackend('a');
    const { stream, entries } = collector();
    const { port } = await startBalancer([backend.backend], {
      tracing: { generate: true, requestIdHeader: false },
      accessLog: { format: 'json', stream },
    });
    await send(port, { headers: { traceparent, tracestate } });
    const { rawHeaders } = backend.requests[0]!;
    expect(valuesOf(rawHeaders, 'traceparent')).toEqual([traceparent]);
    expect(valuesOf(rawHeaders, 'tracestate')).toEqual([tracestate]);
    expect(valuesOf(rawHeaders, 'x-request-id')).toEqual([]);
    await until(() => entries.length === 1);
    expect(entries[0]!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(entries[0]!.requestId).toBeUndefined();
  });

  it('generates a valid traceparent and one request id, both in the access log', async () => {
    const backend = await startBackend('a');
    const { stream, entries } = collector();
    const { port } = await startBalancer([backend.backend], {
      tracing: { generate: true },
      accessLog: { format: 'json', stream },
    });
    await send(port, { headers: { traceparent: '00-zz-bad-01', tracestate } });
    const { rawHeaders } = backend.requests[0]!;
    const sent = valuesOf(rawHeaders, 'traceparent');
    expect(sent).toHaveLength(1);
    expect(isValidTraceparent(sent[0]!)).toBe(true);
    // Meaningless without the traceparent it belonged to.
    expect(valuesOf(rawHeaders, 'tracestate')).toEqual([]);
    const ids = valuesOf(rawHeaders, 'x-request-id');
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await until(() => entries.length === 1);
    expect(entries[0]).toMatchObject({ traceId: sent[0]!.slice(3, 35), requestId: ids[0] });
  });

  it("keeps the client's request id, under the configured name", async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend], {
      tracing: { requestIdHeader: 'X-Correlation-Id' },
    });
    await send(port, { headers: { 'x-correlation-id': 'abc-123' } });
    await send(port);
    const [first, second] = backend.requests;
    expect(valuesOf(first!.rawHeaders, 'x-correlation-id')).toEqual(['abc-123']);
    expect(valuesOf(second!.rawHeaders, 'x-correlation-id')).toHaveLength(1);
    // generate is off: no traceparent is invented.
    expect(valuesOf(second!.rawHeaders, 'traceparent')).toEqual([]);
  });

  it('refuses an invalid tracing option, naming the field, and TCP mode refuses it altogether', () => {
    const fieldOf = (make: () => unknown) => {
      try {
        make();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).field;
      }
      return undefined;
    };
    expect(fieldOf(() => new LoadBalancer({ tracing: { requestIdHeader: 'bad name' } }))).toBe(
      'tracing.requestIdHeader',
    );
    expect(fieldOf(() => new LoadBalancer({ tracing: { generate: 'yes' as unknown as boolean } }))).toBe(
      'tracing.generate',
    );
    const tcp = { tracing: { generate: true } } as unknown as ConstructorParameters<
      typeof TcpLoadBalancer
    >[0];
    expect(fieldOf(() => new TcpLoadBalancer(tcp))).toBe('tracing');
  });
});
