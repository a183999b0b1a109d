// A balancer in its own container in front of the `api` pods or tasks, found through service discovery, with
// the probes and the SIGTERM order an orchestrator needs. Every setting comes from the environment, so the
// manifests beside it configure it. Run with `node gateway.mjs`.
import { dnsDiscovery, kubernetesDiscovery, LoadBalancer, srvDiscovery } from '@lb/all';

const env = process.env;
const number = (name, fallback) => (env[name] === undefined ? fallback : Number(env[name]));
const servers = env.LB_DNS_SERVERS ? env.LB_DNS_SERVERS.split(',') : undefined;

function discovery() {
  const name = env.LB_DISCOVERY_NAME ?? 'api';
  switch (env.LB_DISCOVERY ?? 'kubernetes') {
    case 'kubernetes':
      // The Service's EndpointSlices, watched: needs the RBAC in kubernetes/gateway.yaml.
      return kubernetesDiscovery({ service: name, port: env.LB_DISCOVERY_PORT ?? 'http' });
    case 'dns':
      // A headless Service, a Swarm `tasks.<service>` name or a Consul name: one A record per ready backend.
      // LB_DNS_REFRESH: a fixed period instead of the records' TTL (Swarm's DNS says 600 s, clamped to 30 s).
      return dnsDiscovery({
        name,
        port: number('LB_DISCOVERY_PORT', 3000),
        servers,
        refresh: number('LB_DNS_REFRESH', undefined),
      });
    case 'srv':
      // `_http._tcp.api.default.svc.cluster.local`, or `api.service.consul` on Consul's DNS port.
      return srvDiscovery({ name, servers });
    default:
      throw new Error(`LB_DISCOVERY must be kubernetes, dns or srv, got "${env.LB_DISCOVERY}"`);
  }
}

const lb = new LoadBalancer({
  loadBalancerPort: number('PORT', 3000),
  loadBalancerHost: env.HOST ?? '0.0.0.0',
  // The probes come over the pod network: bind all interfaces, and keep this port out of every Service.
  adminPort: number('ADMIN_PORT', 9090),
  adminHost: env.ADMIN_HOST ?? '0.0.0.0',
  discovery: discovery(),
});
await lb.start();
console.log(`gateway on :${lb.address?.port}, admin on :${lb.adminAddress?.port}`);

// SIGTERM: /readyz answers 503 at once, the balancer keeps serving for the drain delay while endpoints catch up,
// then it drains. A second SIGTERM does not wait.
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) process.exit(1);
  stopping = true;
  const drainDelay = number('LB_DRAIN_DELAY', 5_000);
  console.log(`SIGTERM: not ready; serving for ${drainDelay} ms more, then draining`);
  lb.stop({ drainDelay, timeout: number('LB_SHUTDOWN_TIMEOUT', 10_000) }).then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
