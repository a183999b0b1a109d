import { describe, expect, it } from 'vitest';
import { sameUpstreamTls } from './sameUpstreamTls.js';

describe('sameUpstreamTls', () => {
  it('compares settings by content', () => {
    expect(sameUpstreamTls(undefined, undefined)).toBe(true);
    expect(sameUpstreamTls(true, true)).toBe(true);
    expect(sameUpstreamTls(true, {})).toBe(false);
    expect(sameUpstreamTls(undefined, false)).toBe(false);
    expect(sameUpstreamTls({ ca: 'A', servername: 's' }, { ca: ['A'], servername: 's' })).toBe(true);
    expect(sameUpstreamTls({ ca: Buffer.from('A') }, { ca: Buffer.from('A') })).toBe(true);
    expect(sameUpstreamTls({ ca: Buffer.from('A') }, { ca: Buffer.from('B') })).toBe(false);
    expect(sameUpstreamTls({ ca: 'A' }, { ca: 'A', rejectUnauthorized: false })).toBe(false);
    expect(sameUpstreamTls({ cert: 'C', key: 'K' }, { cert: 'C', key: 'K2' })).toBe(false);
  });
});
