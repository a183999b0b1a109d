import { describe, expect, it } from 'vitest';
import { ConfigError } from './lbError.js';
import { ProcessInfo } from './processInfo.js';
import { validateBackends } from './validateBackends.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ConfigError ? err.code : 'not a ConfigError';
  }
  return undefined;
}

describe('ProcessInfo', () => {
  it('reads as in the Dart original, with loopback and weight 1 by default', () => {
    const info = new ProcessInfo({ id: 0, port: 8081 });
    expect(info).toMatchObject({ id: 0, port: 8081, host: '127.0.0.1', weight: 1 });
    expect(info.url).toBe('http://127.0.0.1:8081');
    expect(new ProcessInfo({ id: 'v6', port: 80, host: '::1' }).url).toBe('http://[::1]:80');
  });

  it('rejects bad ports, weights and ids with stable codes', () => {
    expect(codeOf(() => new ProcessInfo({ id: 0, port: 0 }))).toBe('LB_ERR_INVALID_PORT');
    expect(codeOf(() => new ProcessInfo({ id: 0, port: 8081, weight: -1 }))).toBe('LB_ERR_INVALID_WEIGHT');
    expect(codeOf(() => new ProcessInfo({ id: 0, port: 8081, weight: Number.NaN }))).toBe(
      'LB_ERR_INVALID_WEIGHT',
    );
    expect(codeOf(() => new ProcessInfo({ id: '', port: 8081 }))).toBe('LB_ERR_INVALID_BACKEND');
  });
});

describe('validateBackends', () => {
  it('accepts ProcessInfo and plain objects alike', () => {
    const list = [
      new ProcessInfo({ id: 0, port: 8081 }),
      { id: 'b', host: 'localhost', port: 8082, weight: 0 },
    ];
    expect(validateBackends(list)).toBe(list);
  });

  it('rejects duplicate ids and names the offending entry', () => {
    try {
      validateBackends([
        { id: 1, host: '127.0.0.1', port: 8081 },
        { id: 1, host: '127.0.0.1', port: 8082 },
      ]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('LB_ERR_DUPLICATE_BACKEND');
      expect((err as ConfigError).field).toBe('backends[1].id');
    }
  });

  it('rejects negative weights and bad ports', () => {
    expect(codeOf(() => validateBackends([{ id: 1, host: 'h', port: 1, weight: -2 }]))).toBe(
      'LB_ERR_INVALID_WEIGHT',
    );
    expect(codeOf(() => validateBackends([{ id: 1, host: 'h', port: 99999 }]))).toBe('LB_ERR_INVALID_PORT');
  });
});
