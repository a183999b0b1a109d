import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, statusTable } from './statusTable.js';

describe('statusTable', () => {
  it('lines up one row per worker and names each primary', () => {
    const text = statusTable([
      {
        name: 'api',
        pid: 100,
        uptime: 95_000,
        address: { host: '::', port: 3000 },
        workers: [
          {
            id: 0,
            pid: 101,
            port: 1,
            state: 'ready',
            restarts: 0,
            uptime: 95_000,
            memory: 43_253_760,
            cpu: 12.5,
            cpuPercent: 7.4,
            backendId: '0.1',
          },
          {
            id: 1,
            pid: undefined,
            port: 2,
            state: 'starting',
            restarts: 12,
            uptime: 0,
            memory: undefined,
            backendId: '1.3',
          },
        ],
      },
    ]);
    expect(text.split('\n')).toEqual([
      'name  slot  pid  state     restarts  uptime  cpu  memory',
      'api   0     101  ready     0         1m 35s  7%   41.3 MB',
      'api   1     -    starting  12        0s      -    -',
      '',
      'api: primary pid 100, up 1m 35s, on :::3000',
      '',
    ]);
  });

  it('formats durations and sizes', () => {
    expect(formatDuration(90_061_000)).toBe('1d 1h');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
  });
});
