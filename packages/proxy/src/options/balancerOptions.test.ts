import { ClusterConfig, ConfigError } from '@lb/core';
import { validateBackends } from '@lb/core/internal';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type LoadBalancerConfig, validateBalancerOptions } from './balancerOptions.js';
import { resolveProxyOptions } from './resolveOptions.js';

function refusal(options: object, kind: 'LoadBalancer' | 'TcpLoadBalancer' = 'LoadBalancer'): ConfigError {
  try {
    validateBalancerOptions(options as LoadBalancerConfig, kind);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('validateBalancerOptions', () => {
  it('refuses a misspelled name with the closest one', () => {
    const err = refusal({ loadBalancerPrt: 3000 });
    expect([err.code, err.field]).toEqual(['LB_ERR_INVALID_OPTION', 'loadBalancerPrt']);
    expect(err.message).toContain("Did you mean 'loadBalancerPort'?");
  });

  it('refuses cluster-only names, pointing to the balancer name meant', () => {
    expect(refusal({ host: '127.0.0.1' }).message).toBe(
      "LoadBalancer has no option 'host': it belongs to ClusterConfig. Did you mean 'loadBalancerHost'?",
    );
    for (const name of ['processes', 'basePort', 'enableLoadBalancer', 'maxMemory']) {
      expect(refusal({ [name]: 1 }).message).toContain('belongs to ClusterConfig');
    }
  });

  it('refuses HTTP-only names for the TCP balancer and accepts its own', () => {
    for (const name of ['responseTimeout', 'trustProxy', 'tls', 'maxHeaderSize', 'http2']) {
      expect(refusal({ [name]: 1 }, 'TcpLoadBalancer').message).toContain('is an HTTP option');
    }
    expect(() =>
      validateBalancerOptions({ connectTimeout: 100, idleTimeout: 0, retries: false }, 'TcpLoadBalancer'),
    ).not.toThrow();
  });

  it('still validates values, the port and the strategy', () => {
    expect(refusal({ connectTimeout: -1 }).field).toBe('connectTimeout');
    expect(refusal({ loadBalancerPort: 70_000 }).code).toBe('LB_ERR_INVALID_PORT');
    expect(refusal({ strategy: 'fastest' }).code).toBe('LB_ERR_UNKNOWN_STRATEGY');
    expect(refusal(null as unknown as object).field).toBe('LoadBalancer');
  });

  it('takes a ClusterConfig as it is, cluster fields included', () => {
    const config = new ClusterConfig({ processes: 2, connectTimeout: 1234 });
    expect(validateBalancerOptions(config, 'LoadBalancer')).toBe(config);
    expect(resolveProxyOptions(config).connectTimeout).toBe(1234);
    expectTypeOf(config.connectTimeout).toEqualTypeOf<number | undefined>();
  });

  it('resolves every default from the one table', () => {
    const resolved = resolveProxyOptions({});
    expect(resolved).toMatchObject({
      port: 0,
      adminHost: '127.0.0.1',
      connectTimeout: 5000,
      via: 'lb',
      http2: false,
    });
    expect(resolveProxyOptions(new ClusterConfig({ http2: true })).http2).toBe(true);
    expect(refusal({ htpp2: true }).message).toContain("'http2'");
  });
});

describe('upstreamTls', () => {
  it('accepts true, false and the full object, on a group and a backend too', () => {
    const full = {
      ca: ['pem'],
      servername: 'api.internal',
      cert: 'pem',
      key: 'pem',
      rejectUnauthorized: false,
    };
    for (const upstreamTls of [true, false, {}, full]) {
      expect(() => validateBalancerOptions({ upstreamTls }, 'LoadBalancer')).not.toThrow();
      expect(() => validateBalancerOptions({ upstreamTls }, 'TcpLoadBalancer')).not.toThrow();
    }
    expect(() =>
      validateBalancerOptions({ groups: { api: { upstreamTls: full, backends: [] } } }, 'LoadBalancer'),
    ).not.toThrow();
  });

  it('names the field it refuses', () => {
    const field = (options: object) => refusal(options).field;
    expect(field({ upstreamTls: 'yes' })).toBe('upstreamTls');
    expect(field({ upstreamTls: { ca: '' } })).toBe('upstreamTls.ca');
    expect(field({ upstreamTls: { ca: ['pem', Buffer.alloc(0)] } })).toBe('upstreamTls.ca[1]');
    expect(field({ upstreamTls: { cert: 'pem' } })).toBe('upstreamTls.key');
    expect(field({ upstreamTls: { rejectUnauthorized: 'no' } })).toBe('upstreamTls.rejectUnauthorized');
    expect(field({ upstreamTls: { servername: '' } })).toBe('upstreamTls.servername');
    expect(field({ upstreamTls: { verify: true } })).toBe('upstreamTls.verify');
    expect(field({ groups: { api: { upstreamTls: { key: 1 } } } })).toBe('groups.api.upstreamTls.key');
  });

  it('checks a backend tls with validateBackends', () => {
    const backend = { id: 'a', host: 'api.internal', port: 443, tls: { cert: Buffer.alloc(0), key: 'pem' } };
    expect(() => validateBackends([backend])).toThrow(
      expect.objectContaining({ field: 'backends[0].tls.cert' }),
    );
  });

  it('resolves true to verifying defaults and false to plain TCP', () => {
    expect(resolveProxyOptions({ upstreamTls: true }).upstreamTls).toEqual({});
    expect(resolveProxyOptions({ upstreamTls: false }).upstreamTls).toBeUndefined();
  });
});

describe('upstreamProtocol and a backend protocol', () => {
  it("accepts 'http1', 'h2c' and 'h2' on the balancer, a group and a backend; 'http1' by default", () => {
    for (const upstreamProtocol of ['http1', 'h2c', 'h2'] as const) {
      expect(() =>
        validateBalancerOptions({ upstreamProtocol, groups: { api: { upstreamProtocol } } }, 'LoadBalancer'),
      ).not.toThrow();
      expect(() =>
        validateBackends([{ id: 'a', host: 'h', port: 1, protocol: upstreamProtocol }]),
      ).not.toThrow();
    }
    expect(resolveProxyOptions({}).upstreamProtocol).toBe('http1');
    expect(resolveProxyOptions({ upstreamProtocol: 'h2c' }).upstreamProtocol).toBe('h2c');
  });

  it('refuses other values naming the field, with the value meant for a near miss', () => {
    const err = refusal({ upstreamProtocol: 'http2' });
    expect(err.code).toBe('LB_ERR_INVALID_OPTION');
    expect(err.field).toBe('upstreamProtocol');
    expect(err.message).toMatch(/did you mean 'h2'\?/);
    expect(refusal({ upstreamProtocol: 'H2C' }).message).toMatch(/did you mean 'h2c'\?/);
    expect(refusal({ upstreamProtocol: 'HTTP/1.1' }).message).toMatch(/did you mean 'http1'\?/);
    expect(refusal({ upstreamProtocol: 'spdy' }).message).not.toMatch(/did you mean/);
    expect(refusal({ upstreamProtocol: 2 }).field).toBe('upstreamProtocol');
    expect(refusal({ groups: { api: { upstreamProtocol: 'h3' } } }).field).toBe(
      'groups.api.upstreamProtocol',
    );
    expect(refusal({ upstreamProtocl: 'h2' }).message).toMatch(/Did you mean 'upstreamProtocol'\?/);
    expect(refusal({ upstreamProtocol: 'h2' }, 'TcpLoadBalancer').message).toMatch(/HTTP option/);
  });

  it('refuses a backend protocol that contradicts its own tls', () => {
    const field = (backend: object) => {
      try {
        validateBackends([{ id: 'a', host: 'h', port: 1, ...backend }]);
      } catch (err) {
        return (err as ConfigError).field;
      }
      return undefined;
    };
    expect(field({ protocol: 'h2c', tls: true })).toBe('backends[0].protocol');
    expect(field({ protocol: 'h2c', tls: {} })).toBe('backends[0].protocol');
    expect(field({ protocol: 'h2', tls: false })).toBe('backends[0].protocol');
    expect(field({ protocol: 'http2' })).toBe('backends[0].protocol');
    expect(field({ protocol: 'h2c', tls: false })).toBeUndefined();
    expect(field({ protocol: 'h2', tls: { ca: 'pem' } })).toBeUndefined();
  });
});

describe("healthCheck type 'grpc'", () => {
  it('takes a service for grpc checks only', () => {
    expect(resolveProxyOptions({ healthCheck: { type: 'grpc' } }).healthCheck).toMatchObject({
      type: 'grpc',
      service: '',
    });
    expect(
      resolveProxyOptions({ healthCheck: { type: 'grpc', service: 'pkg.Svc' } }).healthCheck?.service,
    ).toBe('pkg.Svc');
    expect(refusal({ healthCheck: { type: 'http', service: 'x' } }).field).toBe('healthCheck.service');
    expect(refusal({ healthCheck: { type: 'grpc', service: 1 } }).field).toBe('healthCheck.service');
    expect(refusal({ healthCheck: { type: 'gprc' } }).field).toBe('healthCheck.type');
    expect(refusal({ healthCheck: { type: 'grpc', servce: 'x' } }).message).toMatch(
      /Did you mean 'service'\?/,
    );
  });
});

describe('upstreamPing', () => {
  it('is on by default, resolves partial settings, and is turned off with false', () => {
    expect(resolveProxyOptions({}).upstreamPing).toEqual({ interval: 10_000, timeout: 10_000 });
    expect(resolveProxyOptions({ upstreamPing: { timeout: 2000 } }).upstreamPing).toEqual({
      interval: 10_000,
      timeout: 2000,
    });
    expect(resolveProxyOptions({ upstreamPing: false }).upstreamPing).toBeUndefined();
    expect(() =>
      validateBalancerOptions(
        { upstreamPing: { interval: 500, timeout: 250 }, groups: { api: { upstreamPing: false } } },
        'LoadBalancer',
      ),
    ).not.toThrow();
    expect(() => new ClusterConfig({ upstreamPing: { interval: 1000 } })).not.toThrow();
  });

  it('refuses misspelled names and bad values, naming the field', () => {
    const nested = refusal({ upstreamPing: { intreval: 1000 } });
    expect([nested.code, nested.field]).toEqual(['LB_ERR_INVALID_OPTION', 'intreval']);
    expect(nested.message).toBe("upstreamPing has no option 'intreval'. Did you mean 'interval'?");
    expect(refusal({ upstreamPng: {} }).message).toMatch(/Did you mean 'upstreamPing'\?/);
    expect(refusal({ upstreamPing: true }).field).toBe('upstreamPing');
    expect(refusal({ upstreamPing: [] }).field).toBe('upstreamPing');
    expect(refusal({ upstreamPing: { interval: 0 } }).field).toBe('upstreamPing.interval');
    expect(refusal({ upstreamPing: { timeout: '5s' } }).field).toBe('upstreamPing.timeout');
    expect(refusal({ groups: { api: { upstreamPing: { timeout: -1 } } } }).field).toBe(
      'groups.api.upstreamPing.timeout',
    );
    expect(refusal({ groups: { api: { upstreamPing: { timeout: -1 } } } }).message).toMatch(
      /^groups\.api\.upstreamPing\.timeout must be/,
    );
    expect(refusal({ groups: { api: { healthCheck: { intervall: 5 } } } }).message).toMatch(
      /^Group 'api': healthCheck has no option 'intervall'\. Did you mean 'interval'\?/,
    );
    expect(refusal({ groups: { api: { backends: [{ id: 1, host: 'h', port: 0 }] } } }).field).toMatch(
      /^groups\.api\.backends\[0\]\.port$/,
    );
    expect(refusal({ upstreamPing: false }, 'TcpLoadBalancer').message).toMatch(/HTTP option/);
  });
});
