import { describe, expect, it } from 'vitest';
import { normalizeBackends, sameBackends } from './snapshotDiff.js';

describe('normalizeBackends', () => {
  it('keeps one entry per host:port, sorted', () => {
    const list = normalizeBackends([
      { host: '127.0.0.3', port: 80 },
      { host: '127.0.0.2', port: 80, zone: 'a' },
      { host: '127.0.0.2', port: 80, zone: 'b' },
    ]);
    expect(list).toEqual([
      { host: '127.0.0.2', port: 80, zone: 'a' },
      { host: '127.0.0.3', port: 80 },
    ]);
  });
});

describe('sameBackends', () => {
  const a = normalizeBackends([
    { host: '127.0.0.2', port: 80 },
    { host: '127.0.0.3', port: 80 },
  ]);

  it('ignores the order answers came in', () => {
    const b = normalizeBackends([
      { host: '127.0.0.3', port: 80 },
      { host: '127.0.0.2', port: 80 },
    ]);
    expect(sameBackends(a, b)).toBe(true);
  });

  it('sees an added backend, a changed port and a changed weight', () => {
    expect(sameBackends(a, normalizeBackends([...a, { host: '127.0.0.4', port: 80 }]))).toBe(false);
    expect(
      sameBackends(
        a,
        normalizeBackends([
          { host: '127.0.0.2', port: 81 },
          { host: '127.0.0.3', port: 80 },
        ]),
      ),
    ).toBe(false);
    expect(
      sameBackends(
        a,
        normalizeBackends([
          { host: '127.0.0.2', port: 80, weight: 5 },
          { host: '127.0.0.3', port: 80 },
        ]),
      ),
    ).toBe(false);
  });
});
