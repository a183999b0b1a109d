import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ClusterConfig, type ClusterConfigOptions } from './clusterConfig.js';
import { ConfigError, LbError } from './lbError.js';
import { LoadBalancingStrategy } from './loadBalancingStrategy.js';
import type { Strategy } from './strategy.js';

function errorOf(options: ClusterConfigOptions): ConfigError {
  try {
    new ClusterConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected ClusterConfig to throw');
}

describe('ClusterConfig', () => {
  it('accepts the Dart example and keeps its values', () => {
    const config = new ClusterConfig({
      processes: 4,
      basePort: 8080,
      enableLoadBalancer: true,
      loadBalancerPort: 3000,
      strategy: LoadBalancingStrategy.roundRobin,
    });
    expect(config).toMatchObject({
      processes: 4,
      basePort: 8080,
      enableLoadBalancer: true,
      loadBalancerPort: 3000,
      strategy: 'roundRobin',
    });
    expect(config.workerPort(3)).toBe(8083);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('has safe defaults: workers on loopback, admin on loopback, balancer off, one process per usable CPU', () => {
    const config = new ClusterConfig();
    expect(config.host).toBe('127.0.0.1');
    expect(config.adminHost).toBe('127.0.0.1');
    expect(config.enableLoadBalancer).toBe(false);
    expect(config.processes).toBeGreaterThanOrEqual(1);
    expect(config.processes).toBeLessThanOrEqual(availableParallelism());
    expect(config.readiness).toBe('port');
  });

  it.each([
    [{ basePort: 70000 }, 'LB_ERR_INVALID_PORT', 'basePort'],
    [{ basePort: 8080.5 }, 'LB_ERR_INVALID_PORT', 'basePort'],
    [{ basePort: 65535, processes: 2 }, 'LB_ERR_INVALID_PORT', 'basePort'],
    [{ enableLoadBalancer: true }, 'LB_ERR_MISSING_LOAD_BALANCER_PORT', 'loadBalancerPort'],
    [{ basePort: 3000, processes: 4, loadBalancerPort: 3002 }, 'LB_ERR_PORT_CONFLICT', 'loadBalancerPort'],
    [{ basePort: 8080, processes: 2, adminPort: 8081 }, 'LB_ERR_PORT_CONFLICT', 'adminPort'],
    [{ loadBalancerPort: 3000, adminPort: 3000 }, 'LB_ERR_PORT_CONFLICT', 'adminPort'],
    [
      { enableLoadBalancer: true, loadBalancerPort: 3000, sharedPort: 4000 },
      'LB_ERR_PORT_CONFLICT',
      'sharedPort',
    ],
    [{ processes: 0 }, 'LB_ERR_INVALID_PROCESS_COUNT', 'processes'],
    [{ processes: 2.5 }, 'LB_ERR_INVALID_PROCESS_COUNT', 'processes'],
    [{ readiness: 'soon' as 'port' }, 'LB_ERR_INVALID_OPTION', 'readiness'],
    [{ shutdownTimeout: -1 }, 'LB_ERR_INVALID_OPTION', 'shutdownTimeout'],
    [{ drainDelay: -1 }, 'LB_ERR_INVALID_OPTION', 'drainDelay'],
    [{ drainDelay: Number.NaN }, 'LB_ERR_INVALID_OPTION', 'drainDelay'],
    [{ drainDelay: Number.POSITIVE_INFINITY }, 'LB_ERR_INVALID_OPTION', 'drainDelay'],
    [{ drainDelay: 2 ** 31 }, 'LB_ERR_INVALID_OPTION', 'drainDelay'],
    [{ drainDelay: '5s' as unknown as number }, 'LB_ERR_INVALID_OPTION', 'drainDelay'],
    [{ restartDelay: 500, maxRestartDelay: 100 }, 'LB_ERR_INVALID_OPTION', 'maxRestartDelay'],
  ] satisfies [ClusterConfigOptions, string, string][])('rejects %j with %s', (options, code, field) => {
    const err = errorOf(options);
    expect(err).toBeInstanceOf(LbError);
    expect(err.code).toBe(code);
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('names every valid strategy when the name is unknown', () => {
    const err = errorOf({ strategy: 'fastest' as 'roundRobin' });
    expect(err.code).toBe('LB_ERR_UNKNOWN_STRATEGY');
    for (const name of Object.values(LoadBalancingStrategy)) expect(err.message).toContain(name);
  });

  it('accepts a user strategy object and rejects one without the Strategy methods', () => {
    const custom: Strategy = {
      name: 'mine',
      setBackends() {},
      pick: () => undefined,
      onRequestStart() {},
      onRequestEnd() {},
      setHealth() {},
      setWeight() {},
    };
    expect(new ClusterConfig({ strategy: custom }).strategy).toBe(custom);
    const err = errorOf({ strategy: { pick: () => undefined } as unknown as Strategy });
    expect(err.code).toBe('LB_ERR_INVALID_STRATEGY');
    expect(err.message).toContain('setBackends');
  });

  it('suggests the closest option name for a typo instead of ignoring it', () => {
    const err = errorOf({ loadBalancerport: 3000 } as ClusterConfigOptions);
    expect(err.code).toBe('LB_ERR_INVALID_OPTION');
    expect(err.message).toContain("Did you mean 'loadBalancerPort'?");
  });

  it('drains at once by default and takes a drainDelay in ms; a misspelling gets a suggestion', () => {
    expect(new ClusterConfig({}).drainDelay).toBe(0);
    expect(new ClusterConfig({ drainDelay: 5000 }).drainDelay).toBe(5000);
    const err = errorOf({ drainDelays: 5000 } as ClusterConfigOptions);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("Did you mean 'drainDelay'?");
  });

  it('allows port 0 where the system may choose', () => {
    const config = new ClusterConfig({
      basePort: 0,
      enableLoadBalancer: true,
      loadBalancerPort: 0,
      adminPort: 0,
    });
    expect(config.workerPort(2)).toBe(0);
    expect(config.loadBalancerPort).toBe(0);
  });
});
