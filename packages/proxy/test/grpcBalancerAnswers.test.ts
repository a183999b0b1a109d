import { once } from 'node:events';
import { connect as h2connect } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadBalancerConfig } from '../src/index.js';
import { echoClient, grpc, startEchoServer, unary } from './grpcHelpers.js';
import { cleanup, onCleanup, startBalancer } from './helpers.js';

afterEach(cleanup);

const soon = () => ({ deadline: Date.now() + 10_000 });

/** What a bare HTTP/2 client sees of one gRPC call: the head, the trailers and the DATA bytes in between. */
interface RawAnswer {
  headers: Record<string, unknown>;
  trailers: Record<string, unknown> | undefined;
  dataBytes: number;
}

/** One gRPC call over a bare HTTP/2 session, to see the frames grpc-js hides (trailers-only or not). */
async function rawCall(port: number, path: string, extra: Record<string, string> = {}): Promise<RawAnswer> {
  const session = h2connect(`http://127.0.0.1:${port}`);
  onCleanup(() => session.destroy());
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...extra,
  });
  // An empty EchoRequest: the 5-byte prefix of a zero-length message.
  stream.end(Buffer.alloc(5));
  const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
  const answer: RawAnswer = { headers, trailers: undefined, dataBytes: 0 };
  stream.on('trailers', (t: Record<string, unknown>) => {
    answer.trailers = t;
  });
  stream.on('data', (chunk: Buffer) => {
    answer.dataBytes += chunk.length;
  });
  await once(stream, 'close');
  return answer;
}

/** The balancer's own answer is trailers-only: one HEADERS frame, `:status 200`, no body, no second HEADERS. */
function expectTrailersOnly(answer: RawAnswer, status: grpc.status, message: string): void {
  expect(answer.headers[':status']).toBe(200);
  expect(answer.headers['content-type']).toBe('application/grpc');
  expect(answer.headers['grpc-status']).toBe(String(status));
  expect(answer.headers['grpc-message']).toBe(message);
  expect(answer.dataBytes).toBe(0);
  expect(answer.trailers).toBeUndefined();
}

/** A balancer with one group, `api`, reached only by the routes given. */
async function routedBalancer(extra: LoadBalancerConfig = {}) {
  const server = await startEchoServer('api-1');
  const started = await startBalancer([], {
    http2: true,
    groups: { api: { backends: [server.backend] } },
    routes: [{ match: { pathPrefix: '/lbtest.Echo' }, group: 'api' }],
    ...extra,
  });
  return { ...started, server };
}

describe('gRPC calls the balancer answers itself', () => {
  it('no route and no default route: UNIMPLEMENTED, trailers-only, never a 404 page', async () => {
    const { port, server } = await routedBalancer();
    expect((await unary(echoClient(port), { text: 'routed' }, soon())).reply?.backend).toBe('api-1');

    const raw = await rawCall(port, '/other.Service/Call');
    expectTrailersOnly(raw, grpc.status.UNIMPLEMENTED, 'No route matches this request');

    // The same through grpc-js, for a service the route does not cover.
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    onCleanup(() => client.close());
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest(
        '/other.Service/Call',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        soon(),
        (err) => resolve(err!),
      ),
    );
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error.details).toBe('No route matches this request');
    expect(server.calls).toBe(1);
  });

  it('an onRequest hook that throws: INTERNAL, trailers-only, and an error event', async () => {
    const errors: Error[] = [];
    const { port, lb, server } = await routedBalancer({
      onRequest: (ctx) => {
        if (ctx.header('x-boom') !== undefined || ctx.path.endsWith('/Unary')) throw new Error('hook broke');
      },
    });
    lb.on('error', (err) => errors.push(err));
    const { error } = await unary(echoClient(port), { text: 'x' }, soon());
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).toBe('Internal Server Error');
    expectTrailersOnly(
      await rawCall(port, '/lbtest.Echo/Unary'),
      grpc.status.INTERNAL,
      'Internal Server Error',
    );
    expect(errors.map((e) => e.message)).toEqual(['hook broke', 'hook broke']);
    expect(server.calls).toBe(0);
  });

  it('an onRequest direct answer: its HTTP status mapped to a gRPC status, its body the message', async () => {
    const { port, server } = await routedBalancer({
      onRequest: (ctx) => {
        const who = ctx.header('x-who');
        if (who === 'stranger') ctx.respond(403, {}, 'accès refusé ✓');
        else if (who === 'anonymous') ctx.respond(401);
        else if (who === 'flood') ctx.respond(429, { 'retry-after': '1' }, 'slow down');
        else if (who === 'typed') ctx.respond(200, { 'content-type': 'application/grpc+proto' }, 'no status');
        else if (who === 'huge') ctx.respond(403, {}, `é\r\n%${'✓'.repeat(40_000)}`);
        else if (who === 'grpc') {
          // An answer in gRPC's own terms is relayed as it stands.
          ctx.respond(200, {
            'content-type': 'application/grpc',
            'grpc-status': String(grpc.status.FAILED_PRECONDITION),
            'grpc-message': 'not%20yet',
          });
        }
      },
    });
    const client = echoClient(port);
    const call = async (who: string) => {
      const metadata = new grpc.Metadata();
      metadata.set('x-who', who);
      return new Promise<grpc.ServiceError | null>((resolve) =>
        client.Unary({ text: 'x' }, metadata, soon(), (err) => resolve(err)),
      );
    };
    const denied = await call('stranger');
    expect([denied?.code, denied?.details]).toEqual([grpc.status.PERMISSION_DENIED, 'accès refusé ✓']);
    // On the wire the message is percent-encoded UTF-8, in the one HEADERS frame of a trailers-only answer.
    expectTrailersOnly(
      await rawCall(port, '/lbtest.Echo/Unary', { 'x-who': 'stranger' }),
      grpc.status.PERMISSION_DENIED,
      'acc%C3%A8s refus%C3%A9 %E2%9C%93',
    );
    const anonymous = await call('anonymous');
    expect([anonymous?.code, anonymous?.details]).toEqual([
      grpc.status.UNAUTHENTICATED,
      'the balancer answered HTTP 401',
    ]);
    const flood = await call('flood');
    expect([flood?.code, flood?.details]).toEqual([grpc.status.UNAVAILABLE, 'slow down']);
    const own = await call('grpc');
    expect([own?.code, own?.details]).toEqual([grpc.status.FAILED_PRECONDITION, 'not yet']);
    // A gRPC type without a grpc-status is not a gRPC answer: a 200 that is not gRPC, UNKNOWN.
    const typed = await call('typed');
    expect([typed?.code, typed?.details]).toEqual([grpc.status.UNKNOWN, 'no status']);
    const huge = await call('huge');
    // A body too long for a header is clipped, not allowed to cost the client its status.
    expect(huge?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(huge?.details.startsWith('é\r\n%✓✓')).toBe(true);
    expect(huge?.details.endsWith('✓…')).toBe(true);
    expect(server.calls).toBe(0);
    expect(await call('friend')).toBeNull();
    expect(server.calls).toBe(1);
  });
});
