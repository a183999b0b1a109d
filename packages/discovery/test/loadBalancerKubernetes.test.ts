import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendStatus } from '@lb/proxy';
import { LoadBalancer } from '@lb/proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubernetesDiscovery } from '../src/kubernetesDiscovery.js';
import { get, startBackends, type TestBackend } from './helpers/backends.js';
import { nextEvent } from './helpers/events.js';
import { endpointSlice, TestApiServer, type TestEndpoint } from './kubernetes/testApiServer.js';
import { hasOpenssl, makeTestCertificates } from './kubernetes/testCa.js';

let dir: string;
let api: TestApiServer;
let backends: TestBackend[];
let port: number;
let lb: LoadBalancer;

beforeEach(async () => {
  const certificates = hasOpenssl() ? makeTestCertificates() : undefined;
  dir = mkdtempSync(join(tmpdir(), 'lb-k8s-lb-'));
  writeFileSync(join(dir, 'token'), 'token-1');
  if (certificates) writeFileSync(join(dir, 'ca.crt'), certificates.ca);
  api = await TestApiServer.start(certificates);
  backends = await startBackends(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  port = backends[0]!.port;
});

afterEach(async () => {
  await lb?.stop({ timeout: 1_000 });
  await Promise.all(backends.map((b) => b.close()));
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

function setSlice(name: string, endpoints: TestEndpoint[]): void {
  api.apply(endpointSlice(name, 'api', endpoints, [{ name: 'http', port }]));
}

async function startBalancer(): Promise<number> {
  const discovery = kubernetesDiscovery({
    service: 'api',
    namespace: 'default',
    port: 'http',
    apiServer: api.url,
    tokenPath: join(dir, 'token'),
    caPath: join(dir, 'ca.crt'),
  });
  lb = new LoadBalancer({ loadBalancerPort: 0, discovery });
  const first = nextEvent(lb, 'discoveryUpdated');
  await lb.start();
  await first;
  return lb.address!.port;
}

describe('LoadBalancer with kubernetesDiscovery', () => {
  it('sends traffic to a pod as soon as its slice says it is ready, and drains one that terminates', async () => {
    setSlice('api-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3', ready: false, serving: false }]);
    const lbPort = await startBalancer();
    expect(lb.backends.map((b) => b.id)).toEqual([`127.0.0.2:${port}`]);
    const added = nextEvent(lb, 'backendAdded', (s: BackendStatus) => s.host === '127.0.0.3');
    setSlice('api-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]);
    await added;
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(lbPort)).body);
    expect(bodies).toEqual(new Set(['127.0.0.2', '127.0.0.3']));

    const removed = nextEvent(lb, 'backendRemoved', (s: BackendStatus) => s.host === '127.0.0.2');
    setSlice('api-a', [
      { ip: '127.0.0.2', ready: false, serving: true, terminating: true },
      { ip: '127.0.0.3' },
    ]);
    await removed;
    for (let i = 0; i < 3; i++) expect((await get(lbPort)).body).toBe('127.0.0.3');
  });

  it('keeps serving the last set through an API server outage, and follows it again when it is back', async () => {
    setSlice('api-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.4' }]);
    const lbPort = await startBalancer();
    const stale = nextEvent(lb, 'discoveryStale');
    await api.pause();
    await stale;
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(lbPort)).body);
    expect(bodies).toEqual(new Set(['127.0.0.2', '127.0.0.4']));
    expect(lb.metrics()).toContain('lb_discovery_stale 1');
    // A change made while the balancer could not see it arrives once the server is back.
    setSlice('api-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }, { ip: '127.0.0.4' }]);
    const added = nextEvent(lb, 'backendAdded', (s: BackendStatus) => s.host === '127.0.0.3');
    await api.resume();
    await added;
    expect(lb.metrics()).toContain('lb_discovery_stale 0');
  }, 15_000);
});
