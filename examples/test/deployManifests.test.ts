import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ClusterConfig } from '@lb/core';
import { AdminServer } from '@lb/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseCliArgs } from '../../packages/cluster/src/cliArgs.js';
import { cliHelp } from '../../packages/cluster/src/cliHelp.js';
import { startPlan } from '../../packages/cluster/src/startPlan.js';
import { examplesDir, runExample } from './runExample.js';

// The manifests of docs/deploying.md, checked against the real command line, config validator and admin server,
// so the guide cannot drift from what `lb start` and the gateway accept and answer.

const deployDir = join(examplesDir, 'deploy');
const read = (path: string): string => readFileSync(join(deployDir, path), 'utf8');
const gatewaySource = read('gateway.mjs');

type Node = Record<string, unknown>;

/** Every document of a YAML file, refusing any parse error or warning. */
function yamlDocuments(path: string): Node[] {
  return parseAllDocuments(read(path)).map((doc) => {
    expect(doc.errors, `${path}: ${doc.errors.join('; ')}`).toEqual([]);
    expect(doc.warnings, `${path}: ${doc.warnings.join('; ')}`).toEqual([]);
    return doc.toJS() as Node;
  });
}

/** What an `lb start` in a manifest runs with: its config, validated as `lb start` validates it. */
function lbStart(args: readonly string[]): ClusterConfig {
  expect(args.slice(0, 2)).toEqual(['lb', 'start']);
  for (const arg of args.slice(2)) {
    if (arg.startsWith('--')) expect(cliHelp, `lb --help names ${arg}`).toContain(arg.split('=')[0]);
  }
  const parsed = parseCliArgs(args.slice(1), { cpus: 2 });
  if (parsed.command !== 'start') throw new Error(`not a start command: ${args.join(' ')}`);
  return new ClusterConfig(startPlan(parsed, undefined, '/srv/app', {}).config);
}

/** The seconds a stop of this config may take: the drain delay, the balancer's drain, the workers' stop. */
const stopSeconds = (config: ClusterConfig): number =>
  (config.drainDelay + 2 * config.shutdownTimeout) / 1000;

/** The gateway's variables a manifest sets, each of which gateway.mjs must read. */
function expectGatewayReads(env: Record<string, string>): void {
  for (const name of Object.keys(env)) expect(gatewaySource, `gateway.mjs reads ${name}`).toContain(name);
  expect(['kubernetes', 'dns', 'srv']).toContain(env.LB_DISCOVERY);
}

let admin: AdminServer;
const probePaths = new Set<string>();

beforeAll(async () => {
  admin = new AdminServer({ metrics: () => '', status: () => ({}), healthy: () => true, ready: () => true });
  await admin.start();
});

afterAll(async () => {
  // Every probe path a manifest names exists on the real admin server and answers 200 when all is well.
  for (const path of probePaths) expect([path, await status(admin.address!.port, path)]).toEqual([path, 200]);
  await admin.stop();
});

function status(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

interface Container {
  name: string;
  args: string[];
  env?: { name: string; value: string }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
}

const byKind = (docs: Node[], kind: string, name: string): Node => {
  const found = docs.find((doc) => doc.kind === kind && (doc.metadata as Node).name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
};

const podSpec = (deployment: Node) =>
  ((deployment.spec as Node).template as Node).spec as {
    terminationGracePeriodSeconds: number;
    serviceAccountName?: string;
    containers: Container[];
  };

const port = (container: Container, name: string): number | undefined =>
  container.ports.find((p) => p.name === name)?.containerPort;

function expectProbes(container: Container): void {
  expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
  expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'admin' });
  probePaths.add(container.readinessProbe.httpGet.path).add(container.livenessProbe.httpGet.path);
}

describe('examples/deploy/kubernetes', () => {
  const api = yamlDocuments('kubernetes/api.yaml');
  const gateway = yamlDocuments('kubernetes/gateway.yaml');

  it('api.yaml: lb start flags the CLI takes, ports and probes of its admin server, a grace period that fits', () => {
    const pod = podSpec(byKind(api, 'Deployment', 'api'));
    const [container] = pod.containers as [Container];
    const config = lbStart(container.args);
    expect(config.loadBalancerPort).toBe(port(container, 'http'));
    expect(config.adminPort).toBe(port(container, 'admin'));
    expect(config.adminHost).toBe('0.0.0.0');
    expect(config.drainDelay).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(stopSeconds(config));
    // No --instances: the worker count comes from the CPU limit, which must then be set.
    expect(container.args.some((arg) => arg.startsWith('-i') || arg.startsWith('--instances'))).toBe(false);
    expect((container as unknown as { resources: { limits: Node } }).resources.limits.cpu).toBeDefined();
    expectProbes(container);
  });

  it('api.yaml: a headless Service on the named port that DNS and SRV discovery ask for', () => {
    const service = byKind(api, 'Service', 'api').spec as Node;
    expect(service.clusterIP).toBe('None');
    expect(service.selector).toEqual({ app: 'api' });
    expect(service.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('gateway.yaml: RBAC to watch EndpointSlices, bound to the account the gateway runs as', () => {
    const role = byKind(gateway, 'Role', 'lb-endpointslices');
    expect(role.rules).toEqual([
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = byKind(gateway, 'RoleBinding', 'lb-endpointslices');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'lb-endpointslices',
    });
    const account = byKind(gateway, 'ServiceAccount', 'lb').metadata as Node;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: account.name, namespace: account.namespace },
    ]);
    const pod = podSpec(byKind(gateway, 'Deployment', 'gateway'));
    expect(pod.serviceAccountName).toBe(account.name);
    const [container] = pod.containers as [Container];
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    expectGatewayReads(env);
    expect(env.LB_DISCOVERY_NAME).toBe('api');
    expect(env.LB_DISCOVERY_PORT).toBe('http');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
      (Number(env.LB_DRAIN_DELAY) + Number(env.LB_SHUTDOWN_TIMEOUT)) / 1000,
    );
    expect([port(container, 'http'), port(container, 'admin')]).toEqual([3000, 9090]);
    expectProbes(container);
    // The admin port stays off the Service clients use.
    const service = byKind(gateway, 'Service', 'gateway').spec as { ports: { targetPort: string }[] };
    expect(service.ports.map((p) => p.targetPort)).toEqual(['http']);
  });
});

describe('examples/deploy/swarm', () => {
  const [stack] = yamlDocuments('swarm/stack.yml') as [{ services: Record<string, Node> }];
  const healthPath = (service: Node): string => {
    const test = ((service.healthcheck as Node).test as string[]).join(' ');
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(test);
    if (url === null) throw new Error(`no admin URL in ${test}`);
    probePaths.add(url[2] as string);
    return `${url[1]}${url[2]}`;
  };

  it('stack.yml: the api on dnsrr, lb start flags the CLI takes, a stop grace period that fits', () => {
    const api = stack.services.api as Node;
    const config = lbStart(api.command as string[]);
    expect((api.deploy as Node).endpoint_mode).toBe('dnsrr');
    expect(config.adminHost).toBe('0.0.0.0');
    expect(healthPath(api)).toBe(`${config.adminPort}/readyz`);
    expect(Number.parseInt(api.stop_grace_period as string, 10)).toBeGreaterThan(stopSeconds(config));
  });

  it('stack.yml: the gateway asks Swarm DNS for tasks.api', () => {
    const gateway = stack.services.gateway as Node;
    const env = gateway.environment as Record<string, string>;
    expectGatewayReads(env);
    expect(env).toMatchObject({
      LB_DISCOVERY: 'dns',
      LB_DISCOVERY_NAME: 'tasks.api',
      LB_DNS_SERVERS: '127.0.0.11',
    });
    expect(healthPath(gateway)).toBe('9090/readyz');
    expect(Number.parseInt(gateway.stop_grace_period as string, 10)).toBeGreaterThan(
      (Number(env.LB_DRAIN_DELAY) + Number(env.LB_SHUTDOWN_TIMEOUT)) / 1000,
    );
  });
});

describe('examples/deploy/nomad', () => {
  // No HCL parser here: the few values checked are read with patterns written for these files.
  const api = read('nomad/api.nomad.hcl');
  const gateway = read('nomad/gateway.nomad.hcl');
  const seconds = (text: string, key: string): number =>
    Number.parseInt((new RegExp(`${key}\\s*=\\s*"(\\d+)s"`).exec(text) ?? [])[1] ?? 'NaN', 10);

  it('api.nomad.hcl: lb start flags the CLI takes, a /readyz check, a kill timeout that fits', () => {
    const args = JSON.parse((/args\s*=\s*(\[.*\])/.exec(api) ?? [])[1] ?? '[]') as string[];
    expect(api).toMatch(/command = "lb"/);
    const config = lbStart(['lb', ...args]);
    expect(config.adminHost).toBe('0.0.0.0');
    expect(api).toMatch(new RegExp(`port "admin" \\{ to = ${config.adminPort} \\}`));
    expect(api).toMatch(new RegExp(`port "http" \\{ to = ${config.loadBalancerPort} \\}`));
    for (const [, path] of api.matchAll(/path\s*=\s*"([^"]+)"/g)) probePaths.add(path as string);
    expect(api).toMatch(/path\s*=\s*"\/readyz"/);
    expect(seconds(api, 'kill_timeout')).toBeGreaterThan(stopSeconds(config));
  });

  it('gateway.nomad.hcl: SRV records of api.service.consul from the local Consul agent', () => {
    const env = Object.fromEntries(
      [...gateway.matchAll(/^\s*(LB_\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    expectGatewayReads(env);
    expect(env).toMatchObject({ LB_DISCOVERY: 'srv', LB_DISCOVERY_NAME: 'api.service.consul' });
    expect(env.LB_DNS_SERVERS).toMatch(/:8600$/);
    for (const [, path] of gateway.matchAll(/path\s*=\s*"([^"]+)"/g)) probePaths.add(path as string);
    expect(seconds(gateway, 'kill_timeout')).toBeGreaterThan(
      (Number(env.LB_DRAIN_DELAY) + Number(env.LB_SHUTDOWN_TIMEOUT)) / 1000,
    );
  });
});

describe('docs/deploying.md', () => {
  it('shows every file of examples/deploy as it is', () => {
    const doc = readFileSync(join(examplesDir, '..', 'docs', 'deploying.md'), 'utf8');
    const shown = new Map(
      [...doc.matchAll(/^```\w+ file=examples\/deploy\/(\S+)\n([\s\S]*?)^```$/gm)].map((m) => [m[1], m[2]]),
    );
    const files = ['Dockerfile', 'gateway.mjs', 'kubernetes', 'nomad', 'swarm'].flatMap((entry) =>
      entry.includes('.') || entry === 'Dockerfile'
        ? [entry]
        : readdirSync(join(deployDir, entry)).map((file) => `${entry}/${file}`),
    );
    expect([...shown.keys()].sort()).toEqual(files.sort());
    for (const file of files) expect(shown.get(file), file).toBe(read(file));
  });
});

describe('examples/deploy/gateway.mjs', () => {
  it('every manifest file is checked above', () => {
    const files = ['kubernetes', 'nomad', 'swarm'].flatMap((dir) =>
      readdirSync(join(deployDir, dir)).map((file) => `${dir}/${file}`),
    );
    expect(files.sort()).toEqual([
      'kubernetes/api.yaml',
      'kubernetes/gateway.yaml',
      'nomad/api.nomad.hcl',
      'nomad/gateway.nomad.hcl',
      'swarm/stack.yml',
    ]);
  });

  it('runs: /livez 200, /readyz 503 with no backend found, then SIGTERM drains and exits 0', async () => {
    // A DNS server that is not there: the source fails, so the balancer has no backend and is not ready.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const gateway = runExample('deploy/gateway.mjs', {
      LB_DISCOVERY: 'dns',
      LB_DISCOVERY_NAME: 'api.invalid',
      LB_DNS_SERVERS: `127.0.0.1:${deadPort}`,
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      LB_DRAIN_DELAY: '200',
    });
    const [, , adminPort] = await gateway.waitFor(/gateway on :(\d+), admin on :(\d+)/);
    expect(await status(Number(adminPort), '/livez')).toBe(200);
    expect(await status(Number(adminPort), '/readyz')).toBe(503);
    expect(await gateway.stop()).toBe(0);
    expect(gateway.output()).toMatch(/SIGTERM: not ready; serving for 200 ms more, then draining/);
  });
});
