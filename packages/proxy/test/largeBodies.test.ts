import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup } from './helpers.js';

afterEach(cleanup);

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const chunk = Buffer.alloc(256 * 1024, 0x61);

/** Writes `total` bytes to `out` as fast as it drains, never buffering more than one chunk ahead. */
function produce(out: NodeJS.WritableStream, total: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
      sent += piece.length;
      if (!out.write(piece)) {
        out.once('drain', pump);
        return;
      }
    }
    out.end();
  };
  pump();
}

function ask<T>(child: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: Record<string, T>) => {
      if (key in reply) {
        child.off('message', onMessage);
        resolve(reply[key]!);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

describe('large bodies', () => {
  it('streams a 1 GiB upload and a 1 GiB download with bounded balancer memory', async () => {
    const backend = createServer((req, res) => {
      if (req.url === '/upload') {
        let received = 0;
        req.on('data', (c: Buffer) => {
          received += c.length;
        });
        req.on('end', () => res.end(String(received)));
      } else {
        res.writeHead(200, { 'Content-Length': String(GiB) });
        produce(res, GiB);
      }
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    onCleanup(() => {
      backend.closeAllConnections();
      backend.close();
    });
    const backendPort = (backend.address() as { port: number }).port;
    const child = fork(
      fileURLToPath(new URL('./fixtures/balancerChild.ts', import.meta.url)),
      [String(backendPort)],
      {
        execArgv: ['--import', 'tsx', '--expose-gc'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    onCleanup(() => child.kill('SIGKILL'));
    const [hello] = (await once(child, 'message')) as [{ port: number }];
    const port = hello.port;
    const baseline = await ask<number>(child, 'reset', 'reset');

    const uploaded = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          agent: false,
          headers: { 'Content-Length': String(GiB) },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      produce(req, GiB);
    });
    expect(Number(uploaded)).toBe(GiB);

    const downloaded = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/download', agent: false }, (res) => {
        let received = 0;
        res.on('data', (c: Buffer) => {
          received += c.length;
        });
        res.on('end', () => resolve(received));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(downloaded).toBe(GiB);

    const peak = await ask<number>(child, 'peak', 'peak');
    expect(peak - baseline).toBeLessThan(64 * MiB);
    child.send('stop');
    await once(child, 'exit');
  }, 60_000);
});
