import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatLogLine } from './logLine.js';
import { PrimaryLog } from './primaryLog.js';

const now = new Date('2026-01-01T00:00:00.000Z');

function written(format: 'prefix' | 'json' | 'inherit', prefix?: string) {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { log: new PrimaryLog(sink, format, prefix), text: () => text };
}

describe('PrimaryLog', () => {
  it('writes text lines with the [lb] prefix, or the one given', () => {
    const out = written('prefix');
    out.log.write('ready', 'worker 1 ready (pid 7, port 8081)', { worker: 1, pid: 7, port: 8081 }, now);
    expect(out.text()).toBe('[lb] worker 1 ready (pid 7, port 8081)\n');
    const cli = written('inherit', 'lb: ');
    cli.log.write('failed', 'no luck', {}, now);
    expect(cli.text()).toBe('lb: no luck\n');
  });

  it('writes JSON lines with every field of a worker line, plus event and the event fields', () => {
    const out = written('json');
    out.log.write('exit', 'worker 1 exited', { worker: 1, pid: 7, code: 1, signal: null, uptime: 20 }, now);
    const line = JSON.parse(out.text());
    expect(line).toEqual({
      time: now.toISOString(),
      worker: 1,
      pid: 7,
      stream: 'stderr',
      event: 'exit',
      msg: 'worker 1 exited',
      code: 1,
      signal: null,
      uptime: 20,
    });
    const workerLine = JSON.parse(
      formatLogLine('hi', { workerId: 1, pid: 7, stream: 'stderr' }, 'json', now),
    );
    expect(Object.keys(line)).toEqual(expect.arrayContaining(Object.keys(workerLine)));
  });

  it('marks a line about the whole cluster with worker null and the primary pid', () => {
    const out = written('json');
    out.log.write('stopped', 'stopped', {}, now);
    expect(JSON.parse(out.text())).toMatchObject({ worker: null, pid: process.pid, event: 'stopped' });
  });
});
