import { request } from 'node:http';
import { connect } from 'node:net';
import type { Backend } from '@lb/core';

/** The result of one probe: `ok`, or the reason it failed (`'status 500'`, `'timeout'`, `'ECONNREFUSED'`). */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What a probe needs: the check type, the HTTP path and a deadline in milliseconds. */
export interface ProbeOptions {
  readonly type: 'http' | 'tcp';
  readonly path: string;
  readonly timeout: number;
}

/** Cancels a probe in flight: its socket is destroyed and its callback never runs. */
export type CancelProbe = () => void;

const passed: ProbeResult = { ok: true };

/**
 * Probes one backend once: `http` sends `GET path` on a fresh connection (no keep-alive, so a probe never
 * reuses or holds a socket) and passes on a 2xx; `tcp` passes when the connection opens. The callback runs
 * exactly once unless the returned function cancels the probe first.
 */
export function probeBackend(
  backend: Backend,
  options: ProbeOptions,
  done: (result: ProbeResult) => void,
): CancelProbe {
  let finished = false;
  let destroy: () => void = () => {};
  const finish = (result: ProbeResult) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    destroy();
    done(result);
  };
  const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), options.timeout);
  const fail = (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? err.message });

  if (options.type === 'tcp') {
    const socket = connect({ host: backend.host, port: backend.port });
    destroy = () => socket.destroy();
    socket.once('connect', () => finish(passed));
    socket.on('error', fail);
  } else {
    const req = request({
      hostname: backend.host,
      port: backend.port,
      path: options.path,
      method: 'GET',
      agent: false,
      headers: { connection: 'close', 'user-agent': 'lb-health-check' },
    });
    destroy = () => req.destroy();
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      // The status decides the probe; a reset while draining the body does not matter.
      res.on('error', () => {});
      res.resume();
      finish(status >= 200 && status < 300 ? passed : { ok: false, reason: `status ${status}` });
    });
    req.on('error', fail);
    req.end();
  }
  return () => {
    finished = true;
    clearTimeout(timer);
    destroy();
  };
}
