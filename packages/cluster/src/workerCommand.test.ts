import { describe, expect, it } from 'vitest';
import { workerCommand } from './workerCommand.js';

const input = {
  args: ['/app/server.js', '--flag'],
  execArgv: ['--import', 'tsx', '--inspect=9229', '--max-old-space-size=512'],
  preload: '/lb/workerPreload.cjs',
  slot: 3,
  port: 4567,
  host: '127.0.0.1',
  processCount: 4,
  shutdownTimeout: 5000,
  sharedPort: undefined,
  baseEnv: { HOME: '/home/me', LB_SHARED_PORT: 'stale' },
};

describe('workerCommand', () => {
  it('keeps the parent flags (minus the inspector), adds the preload, then the script and its arguments', () => {
    expect(workerCommand(input).argv).toEqual([
      '--import',
      'tsx',
      '--max-old-space-size=512',
      '--require',
      '/lb/workerPreload.cjs',
      '/app/server.js',
      '--flag',
    ]);
  });

  it('sets the worker variables and PORT on top of the inherited environment', () => {
    const { env } = workerCommand(input);
    expect(env).toEqual({
      HOME: '/home/me',
      LB_PROCESS_ID: '3',
      LB_WORKER_PORT: '4567',
      LB_WORKER_HOST: '127.0.0.1',
      LB_SCALING_MODE: 'worker',
      LB_PROCESS_COUNT: '4',
      NODE_APP_INSTANCE: '3',
      LB_SHUTDOWN_TIMEOUT: '5000',
      PORT: '4567',
    });
  });

  it('tells shared-port workers the public port', () => {
    expect(workerCommand({ ...input, sharedPort: 8080 }).env.LB_SHARED_PORT).toBe('8080');
  });
});
