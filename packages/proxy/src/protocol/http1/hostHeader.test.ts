import { describe, expect, it } from 'vitest';
import { hostHeader } from './hostHeader.js';

describe('hostHeader', () => {
  it('brackets an IPv6 address and leaves names and IPv4 addresses alone', () => {
    expect(hostHeader('::1', 8080)).toBe('[::1]:8080');
    expect(hostHeader('[::1]', 8080)).toBe('[::1]:8080');
    expect(hostHeader('127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(hostHeader('backend.internal', 3000)).toBe('backend.internal:3000');
  });
});
