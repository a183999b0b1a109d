import { ConfigError } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { hashKey } from './hash.js';
import { cookieValue, resolveStickyKey, stickyKeyHasher, validateStickyKey } from './stickyKey.js';

describe('cookieValue', () => {
  it('finds one cookie among several, trimming spaces', () => {
    expect(cookieValue('a=1; sid=xyz ;b=2', 'sid')).toBe('xyz');
    expect(cookieValue('a=1;b=2', 'b')).toBe('2');
  });

  it('matches whole names only', () => {
    expect(cookieValue('xsid=1; sidx=2', 'sid')).toBeUndefined();
    expect(cookieValue('xsid=1; sid=3', 'sid')).toBe('3');
  });

  it('keeps "=" inside values and removes one pair of quotes', () => {
    expect(cookieValue('token=YWJj==; q="quoted value"', 'token')).toBe('YWJj==');
    expect(cookieValue('token=YWJj==; q="quoted value"', 'q')).toBe('quoted value');
    expect(cookieValue('q="', 'q')).toBe('"');
  });

  it('takes the first occurrence, across several Cookie headers', () => {
    expect(cookieValue(['a=1', 'sid=first; sid=second'], 'sid')).toBe('first');
    expect(cookieValue(['sid=one', 'sid=two'], 'sid')).toBe('one');
  });

  it('ignores pairs without "=" and returns undefined when absent', () => {
    expect(cookieValue('flag; a=1', 'flag')).toBeUndefined();
    expect(cookieValue('', 'a')).toBeUndefined();
    expect(cookieValue(undefined, 'a')).toBeUndefined();
  });
});

describe('resolveStickyKey', () => {
  const context = {
    clientAddress: '10.0.0.7',
    headers: { 'x-user': 'alice', cookie: 'theme=dark; sid=s-99', 'x-multi': ['a', 'b'] },
  };

  it('uses the client address by default, unmapping IPv4-mapped IPv6', () => {
    expect(resolveStickyKey(context)).toBe('10.0.0.7');
    expect(resolveStickyKey({ clientAddress: '::ffff:10.0.0.7' })).toBe('10.0.0.7');
    expect(resolveStickyKey({ clientAddress: '2001:db8::1' })).toBe('2001:db8::1');
  });

  it('reads a header case-insensitively and joins repeated values', () => {
    expect(resolveStickyKey(context, { header: 'X-User' })).toBe('alice');
    expect(resolveStickyKey(context, { header: 'x-multi' })).toBe('a, b');
    expect(resolveStickyKey({ headers: { 'X-Raw': 'r' } }, { header: 'x-raw' })).toBe('r');
  });

  it('reads a cookie', () => {
    expect(resolveStickyKey(context, { cookie: 'sid' })).toBe('s-99');
  });

  it('calls a function with the context', () => {
    expect(resolveStickyKey(context, (ctx) => `${ctx.clientAddress}|${ctx.headers?.['x-user']}`)).toBe(
      '10.0.0.7|alice',
    );
  });

  it('lets context.hashKey win over every source, even an empty one', () => {
    const withKey = { ...context, hashKey: 'tenant-3' };
    expect(resolveStickyKey(withKey)).toBe('tenant-3');
    expect(resolveStickyKey(withKey, { header: 'x-user' })).toBe('tenant-3');
    expect(resolveStickyKey(withKey, { cookie: 'sid' })).toBe('tenant-3');
    expect(resolveStickyKey(withKey, () => 'fn')).toBe('tenant-3');
    expect(resolveStickyKey({ ...context, hashKey: '' }, { header: 'x-user' })).toBe('');
  });

  it('falls back to the client address when the source gives nothing', () => {
    expect(resolveStickyKey(context, { header: 'x-missing' })).toBe('10.0.0.7');
    expect(resolveStickyKey({ ...context, headers: { 'x-user': '' } }, { header: 'x-user' })).toBe(
      '10.0.0.7',
    );
    expect(resolveStickyKey(context, { cookie: 'missing' })).toBe('10.0.0.7');
    expect(resolveStickyKey(context, () => undefined)).toBe('10.0.0.7');
    expect(
      resolveStickyKey(context, () => {
        throw new Error('user bug');
      }),
    ).toBe('10.0.0.7');
  });

  it('treats malformed values from hand-built contexts as absent instead of throwing', () => {
    const odd = { clientAddress: 42, headers: { 'x-n': 7, cookie: [3, 'sid=ok'] } } as never;
    expect(resolveStickyKey(odd, { header: 'x-n' })).toBeUndefined();
    expect(resolveStickyKey(odd, { cookie: 'sid' })).toBe('ok');
    expect(resolveStickyKey(odd)).toBeUndefined();
    expect(cookieValue(5 as never, 'a')).toBeUndefined();
  });

  it('returns undefined when nothing identifies the request', () => {
    expect(resolveStickyKey(undefined)).toBeUndefined();
    expect(resolveStickyKey({})).toBeUndefined();
    expect(resolveStickyKey({ clientAddress: '' })).toBeUndefined();
    expect(resolveStickyKey({ headers: {} }, { cookie: 'sid' })).toBeUndefined();
  });
});

describe('validateStickyKey', () => {
  it('accepts every documented form', () => {
    const fn = () => 'k';
    expect(validateStickyKey('clientAddress', 'key')).toBe('clientAddress');
    expect(validateStickyKey({ header: 'x-user' }, 'key')).toEqual({ header: 'x-user' });
    expect(validateStickyKey({ cookie: 'sid' }, 'key')).toEqual({ cookie: 'sid' });
    expect(validateStickyKey(fn, 'key')).toBe(fn);
  });

  it.each([['ip'], [{ header: '' }], [{ cookie: 3 }], [{ header: 'a', cookie: 'b' }], [null], [42]])(
    'rejects %j with a ConfigError naming the field',
    (value) => {
      try {
        validateStickyKey(value, 'ringHash.key');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).code).toBe('LB_ERR_INVALID_OPTION');
        expect((err as ConfigError).field).toBe('ringHash.key');
      }
    },
  );
});

describe('stickyKeyHasher', () => {
  it('hashes the resolved key', () => {
    const hash = stickyKeyHasher({ header: 'x-user' });
    expect(hash({ headers: { 'x-user': 'bob' } })).toBe(hashKey('bob'));
    expect(hash({ hashKey: 'k', headers: { 'x-user': 'bob' } })).toBe(hashKey('k'));
    expect(hash({ clientAddress: '::ffff:1.2.3.4' })).toBe(hashKey('1.2.3.4'));
  });

  it('gives keyless requests distinct, well-spread hashes', () => {
    const hash = stickyKeyHasher();
    const values = Array.from({ length: 4000 }, () => hash());
    expect(new Set(values).size).toBe(4000);
    const buckets = new Array<number>(4).fill(0);
    for (const h of values) buckets[h & 3]! += 1;
    // Expected 1000 each, standard deviation ~27: 850 is over 5 sigma away.
    for (const count of buckets) expect(count).toBeGreaterThan(850);
  });
});
