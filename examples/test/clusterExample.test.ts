import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const example = fileURLToPath(new URL('../cluster_example.ts', import.meta.url));
let child: ChildProcess | undefined;
let workerPids: number[] = [];

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  for (const pid of workerPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  child = undefined;
  workerPids = [];
});

function getBody(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('cluster_example', () => {
  it('runs 4 workers behind the balancer, each answering with its pid and port', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', example], {
      env: { ...process.env, PORT: '0', LB_BASE_PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const started = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the example did not start; printed: ${output}`)),
        30_000,
      );
      child?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on http:\/\/localhost:(\d+) \(workers ([\d, ]+)\)/.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          workerPids = (match[2] as string).split(', ').map(Number);
          resolve(Number(match[1]));
        }
      });
      child?.once('exit', (code) => reject(new Error(`the example exited with ${code}; printed: ${output}`)));
    });
    const port = await started;
    expect(workerPids).toHaveLength(4);
    const answers = new Map<number, number>();
    for (let i = 0; i < 40 && answers.size < 4; i++) {
      const match = /^Hello from worker (\d+) on port (\d+)\n$/.exec(await getBody(port));
      expect(match).not.toBeNull();
      answers.set(Number(match?.[1]), Number(match?.[2]));
    }
    expect([...answers.keys()].sort()).toEqual([...workerPids].sort());
    expect(new Set(answers.values()).size).toBe(4);
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    expect((await exited)[0]).toBe(0);
  }, 60_000);
});
