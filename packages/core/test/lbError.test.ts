import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, LbError, NoHealthyBackendError } from '../src/lbError.js';

const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('LbError', () => {
  it('keeps code, cause and the subclass name', () => {
    const cause = new Error('socket hang up');
    const err = new NoHealthyBackendError('all 3 backends are down', { cause });
    expect(err).toBeInstanceOf(LbError);
    expect(err).toBeInstanceOf(NoHealthyBackendError);
    expect(err).not.toBeInstanceOf(ConfigError);
    expect(err.name).toBe('NoHealthyBackendError');
    expect(err.code).toBe('LB_ERR_NO_HEALTHY_BACKEND');
    expect(err.cause).toBe(cause);
  });

  it('is recognised across two installed copies of @lb/core', async () => {
    const other = (await import(built)) as typeof import('../src/index.js');
    expect(other.LbError).not.toBe(LbError);
    const foreign = new other.ConfigError('LB_ERR_INVALID_PORT', 'port', 'port must be valid');
    expect(foreign).toBeInstanceOf(LbError);
    expect(new LbError('LB_ERR_INVALID_OPTION', 'x')).toBeInstanceOf(other.LbError);
    expect(foreign).not.toBeInstanceOf(NoHealthyBackendError);
  });
});
