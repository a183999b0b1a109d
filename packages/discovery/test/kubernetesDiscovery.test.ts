import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubernetesDiscovery } from '../src/kubernetesDiscovery.js';
import { addresses, SnapshotRecorder } from './helpers/snapshots.js';
import { endpointSlice, TestApiServer, type TestEndpoint } from './kubernetes/testApiServer.js';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from './kubernetes/testCa.js';

// HTTPS with a CA made here when openssl is installed (it is on the CI images); plain HTTP otherwise, so the
// suite still runs with only Node.
let certificates: TestCertificates | undefined;
let dir: string;
let api: TestApiServer;
const recorders: SnapshotRecorder[] = [];

beforeAll(() => {
  certificates = hasOpenssl() ? makeTestCertificates() : undefined;
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-k8s-'));
  writeFileSync(join(dir, 'token'), 'token-1\n');
  writeFileSync(join(dir, 'namespace'), 'default');
  if (certificates) writeFileSync(join(dir, 'ca.crt'), certificates.ca);
  api = await TestApiServer.start(certificates);
});

afterEach(async () => {
  for (const r of recorders.splice(0)) r.unsubscribe();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

afterAll(() => {
  certificates = undefined;
});

const http = [{ name: 'http', port: 8080 }];

function slice(name: string, endpoints: TestEndpoint[], service = 'api'): ReturnType<typeof endpointSlice> {
  return endpointSlice(name, service, endpoints, http);
}

function follow(): SnapshotRecorder {
  const source = kubernetesDiscovery({
    service: 'api',
    port: 'http',
    apiServer: api.url,
    tokenPath: join(dir, 'token'),
    caPath: join(dir, 'ca.crt'),
    namespacePath: join(dir, 'namespace'),
  });
  const recorder = new SnapshotRecorder(source);
  recorders.push(recorder);
  return recorder;
}

describe('kubernetesDiscovery', () => {
  it(`lists the Service's slices, merged, with zone and nodeName (over ${hasOpenssl() ? 'HTTPS' : 'HTTP'})`, async () => {
    api.apply(slice('api-a', [{ ip: '127.0.0.2', zone: 'z1', nodeName: 'n1' }]));
    api.apply(slice('api-b', [{ ip: '127.0.0.3' }, { ip: '127.0.0.2' }]));
    api.apply(slice('other-a', [{ ip: '127.0.0.9' }], 'other'));
    const snap = await follow().next(() => true);
    expect(addresses(snap)).toEqual(['127.0.0.2:8080', '127.0.0.3:8080']);
    expect(snap.backends[0]).toMatchObject({ zone: 'z1', nodeName: 'n1', ready: true });
  });

  it('follows the watch: added, modified and deleted slices', async () => {
    api.apply(slice('api-a', [{ ip: '127.0.0.2' }]));
    const r = follow();
    await r.next(() => true);
    api.apply(slice('api-b', [{ ip: '127.0.0.3' }]));
    expect(addresses(await r.next((s) => s.backends.length === 2))).toEqual([
      '127.0.0.2:8080',
      '127.0.0.3:8080',
    ]);
    let seen = r.snapshots.length;
    api.apply(slice('api-a', [{ ip: '127.0.0.2', ready: false, serving: true, terminating: true }]));
    expect(addresses(await r.next(() => true, seen))).toEqual(['127.0.0.3:8080']);
    seen = r.snapshots.length;
    api.delete('api-b');
    // No ready endpoint left: the serving, terminating one takes the traffic (KEP-1669).
    const last = await r.next(() => true, seen);
    expect(addresses(last)).toEqual(['127.0.0.2:8080']);
    expect(last.backends[0]).toMatchObject({ ready: false, serving: true, terminating: true });
  });

  it('resumes a watch from the last bookmark without listing again', async () => {
    api.apply(slice('api-a', [{ ip: '127.0.0.2' }]));
    const r = follow();
    await r.next(() => true);
    await api.nextRequest('watch');
    // Other Services' changes move the revision without events for this watch; a bookmark carries it.
    api.apply(slice('other-a', [{ ip: '127.0.0.9' }], 'other'));
    api.bookmark();
    // Wait until the bookmark reached the client: a later event proves the stream was read past it.
    api.apply(slice('api-b', [{ ip: '127.0.0.3' }]));
    await r.next((s) => s.backends.length === 2);
    api.compact();
    const rewatch = api.nextRequest('watch');
    api.endWatches();
    await rewatch;
    api.apply(slice('api-c', [{ ip: '127.0.0.4' }]));
    await r.next((s) => s.backends.length === 3);
    expect(api.requests.filter((k) => k === 'list')).toHaveLength(1);
  });

  it('lists again on a 410 Gone sent inside the watch stream', async () => {
    api.apply(slice('api-a', [{ ip: '127.0.0.2' }]));
    const r = follow();
    await r.next(() => true);
    await api.nextRequest('watch');
    const relist = api.nextRequest('list');
    api.expire();
    await relist;
    api.apply(slice('api-b', [{ ip: '127.0.0.3' }]));
    expect(addresses(await r.next((s) => s.backends.length === 2))).toHaveLength(2);
  });

  it('keeps the last set, stale, while the API server is unreachable', async () => {
    api.apply(slice('api-a', [{ ip: '127.0.0.2' }]));
    const r = follow();
    await r.next(() => true);
    await api.nextRequest('watch');
    api.breakConnections();
    const stale = await r.next((s) => s.stale);
    expect(stale.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_FAILED' });
    expect(addresses(stale)).toEqual(['127.0.0.2:8080']);
    expect(addresses(await r.next((s) => !s.stale, r.snapshots.length))).toEqual(['127.0.0.2:8080']);
  });

  it('re-reads a rotated token after a 401', async () => {
    api.apply(slice('api-a', [{ ip: '127.0.0.2' }]));
    const r = follow();
    await r.next(() => true);
    await api.nextRequest('watch');
    // The server moves to a new token before the file is rotated: the client is refused and goes stale.
    api.token = 'token-2';
    api.breakConnections();
    await r.next((s) => s.stale);
    await r.error((e) => /401 Unauthorized/.test(e.message));
    writeFileSync(join(dir, 'token'), 'token-2\n');
    expect(addresses(await r.next((s) => !s.stale, r.snapshots.length))).toEqual(['127.0.0.2:8080']);
  });
});
