// HAProxy as a benchmark peer: one thread, HTTP mode, connections to the backends reused (`http-reuse always`),
// round robin over `backends`, no logging (no `log` line anywhere).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild, waitForPort } from './processes.js';

export interface HaproxyOptions {
  port: number;
  backends: number[];
  /** What follows `bind 127.0.0.1:port` (such as ` proto h2` or ` ssl crt FILE`). */
  bind?: string;
  /** What follows each `server sN 127.0.0.1:port` (such as ` proto h2`). */
  server?: string;
}

export interface Haproxy {
  /** With `-db` HAProxy runs in the foreground as one process (no master): the one doing the work. */
  pid: number;
  stop(): Promise<void>;
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-haproxy-'));
  const servers = options.backends
    .map((p, i) => `  server s${i} 127.0.0.1:${p}${options.server ?? ''}`)
    .join('\n');
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 30s
frontend f
  bind 127.0.0.1:${options.port}${options.bind ?? ''}
  default_backend b
backend b
  balance roundrobin
${servers}
`,
  );
  const proc = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  await waitForPort(options.port, proc);
  return {
    pid: proc.pid!,
    stop: async () => {
      await stopChild(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
