import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lb/core';
import { LoadBalancer } from '@lb/proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileDiscovery } from '../src/fileDiscovery.js';
import { get, startBackends, type TestBackend } from './helpers/backends.js';
import { nextEvent } from './helpers/events.js';
import { ManualSource } from './helpers/manualSource.js';

let dir: string;
let backends: TestBackend[];
let lb: LoadBalancer | undefined;
let port: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-group-discovery-'));
  backends = await startBackends(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  port = backends[0]!.port;
});

afterEach(async () => {
  await lb?.stop({ timeout: 1_000 });
  lb = undefined;
  await Promise.all(backends.map((b) => b.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a group's backend file the way consul-template does: a temporary file renamed over it. */
function writeBackends(name: string, hosts: readonly string[]): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(`${path}.tmp`, JSON.stringify(hosts.map((host) => ({ host, port }))));
  renameSync(`${path}.tmp`, path);
  return path;
}

const routes = [
  { match: { pathPrefix: '/api' }, group: 'api' },
  { match: { pathPrefix: '/web' }, group: 'web' },
];

/** Resolves once every group in `groups` has applied a snapshot. */
function updated(balancer: LoadBalancer, groups: readonly string[]): Promise<unknown> {
  return Promise.all(
    groups.map((group) => nextEvent(balancer, 'discoveryUpdated', (_snapshot, g) => g === group)),
  );
}

describe('per-group discovery', () => {
  it('fills each group from its own source and follows each one alone', async () => {
    const api = fileDiscovery({ path: writeBackends('api', ['127.0.0.2']), poll: 50 });
    const web = fileDiscovery({ path: writeBackends('web', ['127.0.0.3']), poll: 50 });
    lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      groups: { api: { discovery: api }, web: { discovery: web } },
      routes,
    });
    const first = updated(lb, ['api', 'web']);
    await lb.start();
    await first;
    const lbPort = lb.address!.port;
    expect((await get(lbPort, '/api')).body).toBe('127.0.0.2');
    expect((await get(lbPort, '/web')).body).toBe('127.0.0.3');

    const added = nextEvent(lb, 'backendAdded', (b: { id: string }) => b.id === `127.0.0.4:${port}`);
    const removed = nextEvent(lb, 'backendRemoved', (b: { id: string }) => b.id === `127.0.0.2:${port}`);
    writeBackends('api', ['127.0.0.4']);
    await Promise.all([added, removed]);
    expect((await get(lbPort, '/api')).body).toBe('127.0.0.4');
    expect((await get(lbPort, '/web')).body).toBe('127.0.0.3');
    expect(lb.group('web').backends.map((b) => b.id)).toEqual([`127.0.0.3:${port}`]);
    const metrics = lb.metrics();
    expect(metrics).toContain('lb_discovery_stale{group="api"} 0\n');
    expect(metrics).toContain('lb_discovery_stale{group="web"} 0\n');
    expect(metrics).toMatch(/lb_discovery_updates_total\{group="api"\} [2-9]/);
    expect(metrics.match(/# TYPE lb_discovery_stale /g)).toHaveLength(1);
  });

  it('setGroup stops the replaced group’s source and starts the new one’s; stop() ends every source', async () => {
    const oldApi = new ManualSource();
    const newApi = new ManualSource();
    const web = new ManualSource();
    lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      groups: { api: { discovery: oldApi }, web: { discovery: web } },
      routes,
    });
    // A source is followed from start(), not before.
    expect([oldApi.subscribers, web.subscribers]).toEqual([0, 0]);
    await lb.start();
    expect([oldApi.subscribers, web.subscribers]).toEqual([1, 1]);
    oldApi.publish([{ host: '127.0.0.2', port }]);
    web.publish([{ host: '127.0.0.3', port }]);
    const lbPort = lb.address!.port;
    expect((await get(lbPort, '/api')).body).toBe('127.0.0.2');

    lb.setGroup('api', { discovery: newApi, strategy: 'leastConnections' });
    expect([oldApi.subscribers, newApi.subscribers]).toEqual([0, 1]);
    const applied = nextEvent(lb, 'discoveryUpdated', (_s, group) => group === 'api');
    newApi.publish([{ host: '127.0.0.4', port }]);
    await applied;
    expect((await get(lbPort, '/api')).body).toBe('127.0.0.4');
    // The old source publishing now changes nothing.
    oldApi.publish([{ host: '127.0.0.2', port }]);
    expect((await get(lbPort, '/api')).body).toBe('127.0.0.4');

    // Replaced by a static list: no source is followed for the group any more.
    lb.setGroup('api', { backends: [{ id: 'static', host: '127.0.0.2', port }] });
    expect(newApi.subscribers).toBe(0);
    expect((await get(lbPort, '/api')).body).toBe('127.0.0.2');

    await lb.stop({ timeout: 1_000 });
    expect([oldApi.subscribers, newApi.subscribers, web.subscribers]).toEqual([0, 0, 0]);
    // A group set on a stopped balancer does not start following.
    const late = new ManualSource();
    lb.setGroup('late', { discovery: late });
    expect(late.subscribers).toBe(0);
  });

  it('keeps the balancer-level source on the default group beside the groups’ own', async () => {
    const own = new ManualSource();
    const api = new ManualSource();
    lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      discovery: own,
      groups: { api: { discovery: api } },
      routes: [{ match: { pathPrefix: '/api' }, group: 'api' }, { group: 'default' }],
    });
    await lb.start();
    own.publish([{ host: '127.0.0.3', port }]);
    api.publish([{ host: '127.0.0.2', port }]);
    const lbPort = lb.address!.port;
    expect((await get(lbPort, '/api')).body).toBe('127.0.0.2');
    expect((await get(lbPort, '/')).body).toBe('127.0.0.3');
    expect(lb.metrics()).toContain('lb_discovery_updates_total{group="default"} 1\n');
  });

  it.each([
    [{ backends: [{ id: 'a', host: '127.0.0.1', port: 1 }], discovery: new ManualSource() }],
    [{ discovery: { description: 'not a source' } }],
  ])('refuses a group with %j, naming groups.api.discovery', (group) => {
    const build = () =>
      new LoadBalancer({
        loadBalancerPort: 0,
        groups: { api: group as never },
        routes: [{ group: 'api' }],
      });
    expect(build).toThrow(ConfigError);
    try {
      build();
    } catch (err) {
      expect((err as ConfigError).field).toBe('groups.api.discovery');
    }
  });

  it('refuses the same at setGroup, and changes nothing', async () => {
    const api = new ManualSource();
    lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      groups: { api: { discovery: api } },
      routes: [{ group: 'api' }],
    });
    await lb.start();
    const other = new ManualSource();
    expect(() =>
      lb!.setGroup('api', { discovery: other, backends: [{ id: 'x', host: '127.0.0.2', port }] }),
    ).toThrow(ConfigError);
    expect([api.subscribers, other.subscribers]).toEqual([1, 0]);
  });
});
