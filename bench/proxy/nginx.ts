// nginx as a benchmark peer: one worker, no access log, an upstream with keep-alive connections to `backends`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild, waitForPort } from './processes.js';

export interface NginxOptions {
  port: number;
  backends: number[];
  /** Directives of the `server` block before `location`, after `listen 127.0.0.1:port` (such as `ssl`). */
  listen?: string;
  /** More directives of the `server` block. */
  server?: string;
}

export interface Nginx {
  master: number;
  /** The one worker: the process doing the work, whose CPU is measured. */
  worker: number;
  stop(): Promise<void>;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-nginx-'));
  const upstreams = options.backends.map((p) => `server 127.0.0.1:${p};`).join(' ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; upstream b { ${upstreams} keepalive 64; }
  server { listen 127.0.0.1:${options.port}${options.listen ?? ''}; ${options.server ?? ''}
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`,
  );
  const master = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  await waitForPort(options.port, master);
  const worker = Number(
    readFileSync(`/proc/${master.pid}/task/${master.pid}/children`, 'utf8').trim().split(/\s+/)[0],
  );
  return {
    master: master.pid!,
    worker,
    async stop() {
      // Killing only the master would leave its worker running, holding the port.
      process.kill(worker, 'SIGKILL');
      await stopChild(master);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
