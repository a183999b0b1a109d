import { type Backend, ConfigError, LbError, LoadBalancingStrategy, type Strategy } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { createStrategy } from './createStrategy.js';

const backends: Backend[] = [
  { id: 1, host: '127.0.0.1', port: 9001 },
  { id: 2, host: '127.0.0.1', port: 9002 },
];

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof LbError) return err.code;
    throw err;
  }
  return undefined;
}

describe('createStrategy', () => {
  it.each(Object.values(LoadBalancingStrategy))('builds a working %s by name', (name) => {
    const strategy = createStrategy(name);
    expect(strategy.name).toBe(name);
    strategy.setBackends(backends);
    const picked = strategy.pick({ hashKey: 'user-1', clientAddress: '10.0.0.1' });
    expect([1, 2]).toContain(picked?.id);
    strategy.onRequestStart(picked!);
    strategy.onRequestEnd(picked!, { ok: true, latencyMs: 3 });
  });

  it('passes options to the factory, typed per name', () => {
    const strategy = createStrategy('random', { seed: 4, panicThreshold: 0.5 });
    strategy.setBackends(backends);
    strategy.setHealth(1, 'down');
    strategy.setHealth(2, 'draining');
    expect(strategy.pick()?.id).toBe(1);
    // @ts-expect-error roundRobin has no seed option
    expect(codeOf(() => createStrategy('roundRobin', { seed: 1 }))).toBe('LB_ERR_INVALID_OPTION');
    expect(codeOf(() => createStrategy('leastConnections', { panicThreshold: 2 }))).toBe(
      'LB_ERR_INVALID_OPTION',
    );
    expect(codeOf(() => createStrategy('peakEwma', { decayTime: 0 }))).toBe('LB_ERR_INVALID_OPTION');
  });

  it('returns a user strategy object unchanged', () => {
    const own: Strategy = {
      name: 'mine',
      setBackends() {},
      pick: () => backends[0],
      onRequestStart() {},
      onRequestEnd() {},
      setHealth() {},
      setWeight() {},
    };
    expect(createStrategy(own)).toBe(own);
  });

  it('rejects an unknown name, listing the valid ones', () => {
    let error: unknown;
    try {
      createStrategy('leastConn' as 'roundRobin');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('LB_ERR_UNKNOWN_STRATEGY');
    for (const name of Object.values(LoadBalancingStrategy)) expect((error as Error).message).toContain(name);
  });

  it('rejects malformed strategy objects', () => {
    const bad = [null, 42, {}, { name: 'x', pick() {} }, { pick() {}, setBackends() {} }];
    for (const value of bad) {
      expect(codeOf(() => createStrategy(value as unknown as Strategy))).toBe('LB_ERR_INVALID_STRATEGY');
    }
  });
});
