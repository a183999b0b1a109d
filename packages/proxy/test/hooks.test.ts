import { afterEach, describe, expect, it } from 'vitest';
import { LoadBalancer } from '../src/index.js';
import { cleanup, onCleanup, send, startBackend, startBalancer } from './helpers.js';

afterEach(cleanup);

describe('onRequest and onResponse hooks', () => {
  it('edits the request headers and path, and the response status and headers', async () => {
    const backend = await startBackend('a', (req, res) => {
      res.setHeader('x-powered-by', 'node');
      res.setHeader('x-seen', `${req.url} ${req.headers['x-added']} ${req.headers['x-secret'] ?? 'none'}`);
      res.end('ok');
    });
    const { port } = await startBalancer([backend.backend], {
      onRequest: (ctx) => {
        ctx.setHeader('x-added', `${ctx.method} from ${ctx.clientAddress}`);
        ctx.removeHeader('x-secret');
        ctx.path = ctx.path.replace(/^\/api/, '');
      },
      onResponse: (ctx, response) => {
        response.removeHeader('x-powered-by');
        response.setHeader('x-original-path', ctx.path);
        if (response.header('x-seen')?.startsWith('/teapot')) response.status = 418;
      },
    });
    const reply = await send(port, { path: '/api/teapot?x=1', headers: { 'x-secret': 's' } });
    expect(reply.status).toBe(418);
    expect(reply.headers['x-seen']).toBe('/teapot?x=1 GET from 127.0.0.1 none');
    expect(reply.headers['x-powered-by']).toBeUndefined();
    expect(reply.headers['x-original-path']).toBe('/teapot?x=1');
    expect(reply.body).toBe('ok');
  });

  it('answers directly or picks a group by name', async () => {
    const a = await startBackend('a', (_req, res) => res.end('from a'));
    const b = await startBackend('b', (_req, res) => res.end('from b'));
    const lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      groups: { a: { backends: [a.backend] }, b: { backends: [b.backend] } },
      routes: [{ group: 'a' }],
      onRequest: (ctx) => {
        if (ctx.path === '/blocked')
          ctx.respond(403, { 'content-type': 'text/plain', 'content-length': '99' }, 'no');
        if (ctx.header('x-canary') === '1') ctx.group = 'b';
      },
    });
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    const port = lb.address!.port;
    const blocked = await send(port, { path: '/blocked' });
    expect([blocked.status, blocked.body, blocked.headers['content-type']]).toEqual([
      403,
      'no',
      'text/plain',
    ]);
    expect(a.requests).toHaveLength(0);
    expect((await send(port)).body).toBe('from a');
    expect((await send(port, { headers: { 'x-canary': '1' } })).body).toBe('from b');
  });

  it('answers 500 and emits error when a hook throws', async () => {
    const backend = await startBackend('a');
    const errors: Error[] = [];
    const { lb, port } = await startBalancer([backend.backend], {
      onRequest: (ctx) => {
        if (ctx.path === '/bad-request-hook') throw new Error('request hook broke');
      },
      onResponse: (ctx) => {
        if (ctx.path === '/bad-response-hook') throw new Error('response hook broke');
      },
    });
    lb.on('error', (err) => errors.push(err));
    expect((await send(port, { path: '/bad-request-hook' })).status).toBe(500);
    expect(backend.requests).toHaveLength(0);
    expect((await send(port, { path: '/bad-response-hook' })).status).toBe(500);
    expect((await send(port, { path: '/fine' })).status).toBe(200);
    expect(errors.map((err) => err.message)).toEqual(['request hook broke', 'response hook broke']);
  });

  it('answers 500 when onRequest picks a group that does not exist', async () => {
    const backend = await startBackend('a');
    const errors: Error[] = [];
    const { lb, port } = await startBalancer([backend.backend], {
      onRequest: (ctx) => {
        ctx.group = 'nope';
      },
    });
    lb.on('error', (err) => errors.push(err));
    expect((await send(port)).status).toBe(500);
    expect(errors.map((err) => (err as { code?: string }).code)).toEqual(['LB_ERR_UNKNOWN_GROUP']);
  });
});
