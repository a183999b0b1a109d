import { describe, expect, it } from 'vitest';
import { ClusterConfig } from './clusterConfig.js';
import { ConfigError } from './lbError.js';
import { validateLoadBalancerOptions } from './validateLoadBalancerOptions.js';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.field;
    throw err;
  }
  return undefined;
}

describe('validateLoadBalancerOptions', () => {
  it('returns only the options that were set, unchanged', () => {
    const set = validateLoadBalancerOptions({
      connectTimeout: 2000,
      trustProxy: ['10.0.0.0/8', '::1'],
      via: false,
      maxHeaderCount: 50,
      allowTrace: true,
      underscoreHeaders: 'reject',
      http2: true,
    });
    expect(set).toEqual({
      connectTimeout: 2000,
      trustProxy: ['10.0.0.0/8', '::1'],
      via: false,
      maxHeaderCount: 50,
      allowTrace: true,
      underscoreHeaders: 'reject',
      http2: true,
    });
  });

  it.each([
    [{ connectTimeout: 0 }, 'connectTimeout'],
    [{ idleTimeout: -1 }, 'idleTimeout'],
    [{ tunnelIdleTimeout: -5 }, 'tunnelIdleTimeout'],
    [{ headersTimeout: 5000, requestTimeout: 1000 }, 'headersTimeout'],
    [{ maxHeaderSize: 10 }, 'maxHeaderSize'],
    [{ maxHeaderCount: 0 }, 'maxHeaderCount'],
    [{ maxHeaderCount: 1.5 }, 'maxHeaderCount'],
    [{ allowTrace: 'yes' }, 'allowTrace'],
    [{ http2: 'h2' }, 'http2'],
    [{ underscoreHeaders: 'ignore' }, 'underscoreHeaders'],
    [{ maxConnectionsPerBackend: 0 }, 'maxConnectionsPerBackend'],
    [{ trustProxy: -1 }, 'trustProxy'],
    [{ trustProxy: ['10.0.0.0/33'] }, 'trustProxy[0]'],
    [{ trustProxy: ['not-an-ip'] }, 'trustProxy[0]'],
    [{ via: 'has space' }, 'via'],
    [{ tls: { key: '', cert: 'x' } }, 'tls.key'],
    [{ panicThreshold: 2 }, 'panicThreshold'],
    [{ retries: { attempts: -1 } }, 'retries.attempts'],
  ])('rejects %j naming %s', (options, field) => {
    expect(fieldOf(() => validateLoadBalancerOptions(options as never))).toBe(field);
  });

  it('runs from ClusterConfig, which then carries the balancer options', () => {
    expect(fieldOf(() => new ClusterConfig({ idleTimeout: Number.NaN }))).toBe('idleTimeout');
    const config = new ClusterConfig({ connectTimeout: 1234, forwarded: true });
    expect(config).toMatchObject({ connectTimeout: 1234, forwarded: true });
  });
});
