import { once } from 'node:events';
import { createServer as createHttp2Server } from 'node:http2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Backend } from '@lb/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeResult, probeBackend } from '../src/backends/health/healthProbe.js';
import { cleanup, deadPort, onCleanup, startBalancer } from './helpers.js';
import { makeTestPki, type TestPki } from './tlsFixtures.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterEach(cleanup);

type Serving = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN';

const definition = protoLoader.loadSync(
  fileURLToPath(new URL('./fixtures/grpc/health.proto', import.meta.url)),
  { enums: String, defaults: true },
);
const healthProto = grpc.loadPackageDefinition(definition) as unknown as {
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};

/** A real grpc-js server implementing grpc.health.v1.Health from the fixture; `status` says what it answers. */
async function startGrpcHealthServer(
  id: string,
  options: { tls?: boolean; failWith?: grpc.status } = {},
): Promise<{ backend: Backend; statuses: Map<string, Serving>; asked: string[] }> {
  const statuses = new Map<string, Serving>([['', 'SERVING']]);
  const asked: string[] = [];
  const server = new grpc.Server();
  server.addService(healthProto.grpc.health.v1.Health.service, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, reply: grpc.sendUnaryData<unknown>) => {
      asked.push(call.request.service);
      if (options.failWith !== undefined) {
        reply({ code: options.failWith, details: 'broken on purpose: 100% ✗' });
        return;
      }
      const status = statuses.get(call.request.service);
      if (status === undefined) reply({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else reply(null, { status });
    },
  });
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [
        { private_key: Buffer.from(pki.server.key), cert_chain: Buffer.from(pki.server.cert) },
      ])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  onCleanup(() => server.forceShutdown());
  return {
    backend: { id, host: '127.0.0.1', port, protocol: options.tls ? 'h2' : 'h2c' },
    statuses,
    asked,
  };
}

function probe(backend: Backend, service = '', tls?: { ca: string }): Promise<ProbeResult> {
  return new Promise((resolve) =>
    probeBackend(backend, { type: 'grpc', path: '/', service, timeout: 2000, tls }, resolve),
  );
}

describe('gRPC health checks against grpc-js', () => {
  it('passes on SERVING and fails on every other answer, naming it', async () => {
    const { backend, statuses, asked } = await startGrpcHealthServer('a');
    statuses.set('pkg.Svc', 'NOT_SERVING');
    statuses.set('pkg.Unknown', 'SERVICE_UNKNOWN');
    statuses.set('pkg.Zero', 'UNKNOWN');
    expect(await probe(backend)).toEqual({ ok: true });
    expect(await probe(backend, 'pkg.Svc')).toEqual({ ok: false, reason: 'health NOT_SERVING' });
    expect(await probe(backend, 'pkg.Unknown')).toEqual({ ok: false, reason: 'health SERVICE_UNKNOWN' });
    expect(await probe(backend, 'pkg.Zero')).toEqual({ ok: false, reason: 'health UNKNOWN' });
    expect(await probe(backend, 'pkg.Missing')).toEqual({
      ok: false,
      reason: 'grpc-status NOT_FOUND: unknown service',
    });
    expect(asked).toEqual(['', 'pkg.Svc', 'pkg.Unknown', 'pkg.Zero', 'pkg.Missing']);
  });

  it('fails on a non-OK grpc-status, its message decoded', async () => {
    const { backend } = await startGrpcHealthServer('a', { failWith: grpc.status.UNAVAILABLE });
    expect(await probe(backend)).toEqual({
      ok: false,
      reason: 'grpc-status UNAVAILABLE: broken on purpose: 100% ✗',
    });
  });

  it('checks an h2 backend over TLS with the test CA, and refuses one it cannot verify', async () => {
    const { backend } = await startGrpcHealthServer('a', { tls: true });
    expect(await probe(backend, '', { ca: pki.ca })).toEqual({ ok: true });
    const refused = await probe(backend, '', { ca: pki.otherCa });
    expect(refused.ok).toBe(false);
  });

  it('fails a backend that answers no gRPC, and one that is gone', async () => {
    const plain = createHttp2Server((_req, res) => res.end('not grpc'));
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    onCleanup(() => new Promise((resolve) => plain.close(resolve)));
    const port = (plain.address() as { port: number }).port;
    const notGrpc: Backend = { id: 'a', host: '127.0.0.1', port, protocol: 'h2c' };
    expect(await probe(notGrpc)).toEqual({ ok: false, reason: 'not a gRPC answer (content-type none)' });
    const gone: Backend = { id: 'b', host: '127.0.0.1', port: await deadPort(), protocol: 'h2c' };
    expect(await probe(gone)).toEqual({ ok: false, reason: 'ECONNREFUSED' });
  });

  it('takes a backend down when it turns NOT_SERVING and back up when it serves again', async () => {
    const { backend, statuses } = await startGrpcHealthServer('a');
    const { lb } = await startBalancer([backend], {
      healthCheck: { type: 'grpc', interval: 20, timeout: 1000, rise: 2, fall: 2, jitter: 0 },
    });
    const events: string[] = [];
    const changed = (kind: string) =>
      new Promise<void>((resolve) => {
        const on = (b: { id: unknown }, reason?: unknown) => {
          events.push(`${kind} ${String(b.id)}${reason ? ` ${String(reason)}` : ''}`);
          resolve();
        };
        lb.once(kind === 'down' ? 'backendDown' : 'backendUp', on);
      });
    const down = changed('down');
    statuses.set('', 'NOT_SERVING');
    await down;
    expect(lb.backends[0]!.health).toBe('down');
    const up = changed('up');
    statuses.set('', 'SERVING');
    await up;
    expect(lb.backends[0]!.health).toBe('up');
    expect(events).toEqual(['down a health check: health NOT_SERVING', 'up a']);
  });
});
