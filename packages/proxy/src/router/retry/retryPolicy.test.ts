import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retryBudget.js';
import { isIdempotent, isRetryable } from './retryPolicy.js';

describe('isRetryable', () => {
  it('retries any method when the connection never opened', () => {
    for (const method of ['GET', 'POST', 'PATCH']) {
      expect(isRetryable({ method, phase: 'connect', bodyStreamed: false, responseStarted: false })).toBe(
        true,
      );
    }
  });

  it('retries a reset only for idempotent methods whose body was not streamed', () => {
    expect(isRetryable({ method: 'GET', phase: 'reset', bodyStreamed: false, responseStarted: false })).toBe(
      true,
    );
    expect(isRetryable({ method: 'PUT', phase: 'reset', bodyStreamed: true, responseStarted: false })).toBe(
      false,
    );
    expect(isRetryable({ method: 'POST', phase: 'reset', bodyStreamed: false, responseStarted: false })).toBe(
      false,
    );
  });

  it('never retries once the client saw a response byte', () => {
    expect(isRetryable({ method: 'GET', phase: 'connect', bodyStreamed: false, responseStarted: true })).toBe(
      false,
    );
  });

  it('knows the RFC 9110 idempotent methods', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'].every(isIdempotent)).toBe(true);
    expect(['POST', 'PATCH', 'CONNECT', 'get'].some(isIdempotent)).toBe(false);
  });
});

describe('RetryBudget', () => {
  it('allows the floor when traffic is light, then 20% of active requests', () => {
    const budget = new RetryBudget(0.2, 3);
    expect([budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    for (let i = 0; i < 25; i++) budget.requestStarted();
    expect([budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire()]).toEqual([true, true, false]);
    expect(budget.inProgress).toBe(5);
    budget.release();
    expect(budget.tryAcquire()).toBe(true);
  });

  it('grants recovery slots outside the budget, counted in progress and in the peak', () => {
    const budget = new RetryBudget(0, 0);
    expect(budget.tryAcquire()).toBe(false);
    expect([budget.tryAcquireRecovery(), budget.tryAcquireRecovery()]).toEqual([true, true]);
    expect(budget.inProgress).toBe(2);
    budget.releaseRecovery();
    budget.releaseRecovery();
    expect(budget.inProgress).toBe(0);
    expect(budget.peakInProgress).toBe(2);
  });

  it('grants no recovery slot when recovery is off', () => {
    expect(new RetryBudget(0.2, 3, false).tryAcquireRecovery()).toBe(false);
  });

  it('allows nothing with a zero budget and no floor', () => {
    const budget = new RetryBudget(0, 0);
    budget.requestStarted();
    expect(budget.tryAcquire()).toBe(false);
  });
});

describe('isRetryable for gRPC', () => {
  const base = { method: 'POST', bodyStreamed: true, responseStarted: false } as const;
  it('retries an UNAVAILABLE failure whose body is kept, in either phase', () => {
    for (const phase of ['connect', 'reset'] as const) {
      expect(isRetryable({ ...base, phase, grpc: { unavailable: true, replayable: true } })).toBe(true);
    }
  });
  it('never retries another status, a body past the kept prefix, or after a response byte', () => {
    expect(isRetryable({ ...base, phase: 'reset', grpc: { unavailable: false, replayable: true } })).toBe(
      false,
    );
    expect(isRetryable({ ...base, phase: 'reset', grpc: { unavailable: true, replayable: false } })).toBe(
      false,
    );
    expect(
      isRetryable({
        ...base,
        phase: 'reset',
        responseStarted: true,
        grpc: { unavailable: true, replayable: true },
      }),
    ).toBe(false);
  });
});
