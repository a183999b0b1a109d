import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import type { Backend } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpLoadBalancer, type TcpLoadBalancerConfig } from '../src/index.js';

const servers: Server[] = [];
const balancers: TcpLoadBalancer[] = [];

afterEach(async () => {
  await Promise.all(balancers.splice(0).map((lb) => lb.stop({ timeout: 0 })));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A backend that records every byte of each connection it accepts, until the client closes it. */
async function recordingBackend(): Promise<{ backend: Backend; connections: Promise<string>[] }> {
  const connections: Promise<string>[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let bytes = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      bytes += chunk;
    });
    connections.push(
      new Promise((resolve) =>
        socket.on('end', () => {
          socket.end('bye');
          resolve(bytes);
        }),
      ),
    );
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    backend: { id: 'b', host: '127.0.0.1', port: (server.address() as AddressInfo).port },
    connections,
  };
}

async function start(options: TcpLoadBalancerConfig, backends: Backend[]): Promise<number> {
  const lb = new TcpLoadBalancer(
    { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', ...options },
    backends,
  );
  balancers.push(lb);
  await lb.start();
  return lb.address!.port;
}

/** Sends `chunks` one write each, half-closes, and resolves with what came back and whether it was cut. */
async function client(
  port: number,
  chunks: (string | Buffer)[],
): Promise<{ reply: string; localPort: number }> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let reply = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => {
    reply += c;
  });
  await once(socket, 'connect');
  const localPort = socket.localPort!;
  for (const chunk of chunks) socket.write(chunk);
  socket.end();
  await once(socket, 'close', { signal: AbortSignal.timeout(5000) });
  return { reply, localPort };
}

describe('TcpLoadBalancer and the PROXY protocol', () => {
  it('takes the client address from a trusted v1 header and passes it on as v2, header split across writes', async () => {
    const { backend, connections } = await recordingBackend();
    const port = await start({ proxyProtocol: { trusted: ['127.0.0.1'] }, sendProxyProtocol: 2 }, [backend]);
    const header = 'PROXY TCP4 203.0.113.7 198.51.100.1 5555 443\r\n';
    const { reply } = await client(port, [
      header.slice(0, 9),
      header.slice(9, 30),
      `${header.slice(30)}hello`,
    ]);
    expect(reply).toBe('bye');
    const received = Buffer.from(await connections[0]!, 'latin1');
    const expected = Buffer.from(
      '0d0a0d0a000d0a515549540a2111000ccb007107c6336401 15b3 01bb'.replace(/ /g, ''),
      'hex',
    );
    expect(received.subarray(0, 28).toString('hex')).toBe(expected.toString('hex'));
    expect(received.subarray(28).toString()).toBe('hello');
  });

  it('sends v1 with the real peer when the trusted sender says LOCAL (a health check)', async () => {
    const { backend, connections } = await recordingBackend();
    const port = await start({ proxyProtocol: { trusted: ['127.0.0.0/8'] }, sendProxyProtocol: 1 }, [
      backend,
    ]);
    const local = Buffer.from('0d0a0d0a000d0a515549540a20000000', 'hex');
    const { localPort } = await client(port, [Buffer.concat([local, Buffer.from('ping')])]);
    expect(await connections[0]).toBe(`PROXY TCP4 127.0.0.1 127.0.0.1 ${localPort} ${port}\r\nping`);
  });

  it('closes a trusted connection whose header is malformed, and never reaches a backend', async () => {
    const { backend, connections } = await recordingBackend();
    const port = await start({ proxyProtocol: { trusted: ['127.0.0.1'] } }, [backend]);
    for (const garbage of [
      'GET / HTTP/1.1\r\n\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n',
      'PROXY TCP4 x\n',
    ]) {
      expect((await client(port, [garbage])).reply).toBe('');
    }
    expect(connections).toHaveLength(0);
  });

  it('closes a trusted connection that sends no header in time', async () => {
    const { backend, connections } = await recordingBackend();
    const port = await start({ proxyProtocol: { trusted: ['127.0.0.1'], timeout: 100 } }, [backend]);
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    socket.write('PROXY TCP4 1.2.3.4');
    await once(socket, 'close', { signal: AbortSignal.timeout(5000) });
    expect(connections).toHaveLength(0);
  });

  it('passes an untrusted peer through untouched: its bytes are payload, never a header', async () => {
    const { backend, connections } = await recordingBackend();
    const port = await start({ proxyProtocol: { trusted: ['10.0.0.0/8'] } }, [backend]);
    const forged = 'PROXY TCP4 6.6.6.6 5.6.7.8 1 2\r\nhello';
    expect((await client(port, [forged])).reply).toBe('bye');
    expect(await connections[0]).toBe(forged);
  });

  it('refuses a bad sendProxyProtocol and a bad trusted list', () => {
    expect(() => new TcpLoadBalancer({ sendProxyProtocol: 3 as 1 })).toThrow(
      /sendProxyProtocol must be 1 or 2/,
    );
    expect(() => new TcpLoadBalancer({ proxyProtocol: { trusted: ['nope'] } })).toThrow(
      /proxyProtocol.trusted\[0\]/,
    );
    expect(() => new TcpLoadBalancer({ proxyProtocol: { trusted: [] } })).toThrow(/at least one/);
  });
});
