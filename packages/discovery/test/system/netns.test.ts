// A system test: backends in network namespaces of their own (real hosts as far as TCP can tell, reached over
// veth pairs on 198.18.x.0/30), found through dnsmasq, balanced by a real LoadBalancer. It needs root and
// iproute2, and fails with the reason, never skips, without them. Every namespace and veth it creates is
// deleted in afterAll, even when a test fails.
import type { BackendStatus } from '@lb/proxy';
import { LoadBalancer } from '@lb/proxy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dnsDiscovery } from '../../src/dnsDiscovery.js';
import { get } from '../helpers/backends.js';
import { nextEvent } from '../helpers/events.js';
import { Dnsmasq, requireDnsmasq } from './dnsmasq.js';
import { Load } from './load.js';
import { type Namespace, NamespaceSet, requireNetns } from './netns.js';

const backendPort = 8080;
const name = 'api.lbtest';

let set: NamespaceSet | undefined;
let dns: Dnsmasq | undefined;
let lb: LoadBalancer | undefined;
let namespaces: Namespace[] = [];
let lbPort = 0;

const idOf = (ns: Namespace): string => `${ns.address}:${backendPort}`;
const isBackend =
  (ns: Namespace) =>
  (status: BackendStatus): boolean =>
    status.id === idOf(ns);

/** Why the namespaces could not be set up; every test fails with it rather than being skipped. */
let setupError: unknown;

beforeAll(async () => {
  try {
    requireDnsmasq();
    requireNetns();
    set = new NamespaceSet();
    namespaces = [set.add(1), set.add(2), set.add(3)];
    await Promise.all(namespaces.map((ns) => ns.startBackend(backendPort)));
    dns = await Dnsmasq.start({
      hosts: namespaces.map((ns) => `${ns.address} ${name}`),
      ttl: 1,
      domain: 'lbtest',
    });
    lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      discovery: dnsDiscovery({ name, port: backendPort, servers: [dns.address], timeout: 300, tries: 1 }),
      connectTimeout: 500,
      healthCheck: { interval: 200, timeout: 200, fall: 2, rise: 1 },
    });
    const first = nextEvent(lb, 'discoveryUpdated');
    await lb.start();
    await first;
    lbPort = lb.address!.port;
  } catch (err) {
    setupError = err;
  }
}, 30_000);

beforeEach(() => {
  if (setupError !== undefined) throw setupError;
});

afterAll(async () => {
  await lb?.stop({ timeout: 2_000 });
  await dns?.close();
  if (set === undefined) return;
  const problems = await set.removeAll();
  expect(problems).toEqual([]);
  expect(set.leftovers()).toEqual([]);
}, 30_000);

/** Sends `count` requests and returns how many each namespace answered. */
async function spread(count: number): Promise<Map<string, number>> {
  const byBody = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const { status, body } = await get(lbPort);
    expect(status).toBe(200);
    byBody.set(body, (byBody.get(body) ?? 0) + 1);
  }
  return byBody;
}

describe('balancing across network namespaces found through dnsmasq', () => {
  it('sends traffic to the backend of every namespace', async () => {
    expect(lb!.backends.map((b) => b.id).sort()).toEqual(namespaces.map(idOf).sort());
    const byBody = await spread(30);
    expect([...byBody.keys()].sort()).toEqual(namespaces.map((ns) => ns.address).sort());
  });

  it("fails over with no failed request when a namespace's backend is killed under load", async () => {
    const [first] = namespaces as [Namespace];
    const load = new Load(lbPort);
    const down = nextEvent(lb!, 'backendDown', isBackend(first));
    await first.killBackend();
    await down;
    // After the health check took it out, the others carry the load.
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    const after = await spread(20);
    expect(after.has(first.address)).toBe(false);
  }, 20_000);

  it('takes a namespace whose link is cut out of rotation, and back when the link returns', async () => {
    const second = namespaces[1]!;
    const third = namespaces[2]!;
    const down = nextEvent(lb!, 'backendDown', isBackend(second));
    // Inside the namespace, so the outer end loses its carrier: packets to it vanish, nothing refuses them.
    second.setLink('down');
    await down;
    const load = new Load(lbPort);
    const onThird = await spread(20);
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect([...onThird.keys()]).toEqual([third.address]);
    expect(result.byBody.get(second.address) ?? 0).toBe(0);

    const up = nextEvent(lb!, 'backendUp', isBackend(second));
    second.setLink('up');
    await up;
    const back = await spread(20);
    expect(back.get(second.address) ?? 0).toBeGreaterThan(0);
  }, 20_000);
});
