// Debian's dnsmasq as a real DNS server for the system tests and the discovery bench. It runs in the foreground
// on a free high port of 127.0.0.1 with no configuration but ours: the machine's own dnsmasq (its config file,
// port 53) is never read or touched.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dnsmasqPath = '/usr/sbin/dnsmasq';

/** One SRV record: `--srv-host=<name>,<target>,<port>,<priority>,<weight>`. */
export interface SrvRecord {
  readonly name: string;
  readonly target: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** What the server answers: host-file lines (`address name`), SRV records, the TTL of both. */
export interface DnsmasqZone {
  /** Lines of the hosts file, such as `127.0.0.2 api.lbtest`. */
  readonly hosts: readonly string[];
  readonly srv?: readonly SrvRecord[];
  /** Seconds, dnsmasq's `--local-ttl`. */
  readonly ttl: number;
  /** The domain dnsmasq answers alone: a name in it that is not in the hosts file is NXDOMAIN. */
  readonly domain: string;
}

/** Fails with the reason when this machine has no dnsmasq: the system tests need it, they never skip. */
export function requireDnsmasq(): void {
  if (!existsSync(dnsmasqPath)) {
    throw new Error(
      `${dnsmasqPath} is missing: the discovery system tests need Debian's dnsmasq (apt-get install -y dnsmasq-base)`,
    );
  }
}

/** A free UDP port of 127.0.0.1 (dnsmasq takes the same TCP port; a clash is retried with another). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/**
 * A dnsmasq process the caller drives: {@link Dnsmasq.setHosts} rewrites the hosts file and sends SIGHUP (dnsmasq
 * re-reads it and clears its cache), {@link Dnsmasq.kill} makes the server unreachable, {@link Dnsmasq.restart}
 * brings it back on the same port.
 */
export class Dnsmasq {
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();
  private readonly hostsPath: string;

  private constructor(
    private readonly dir: string,
    private zone: DnsmasqZone,
    private port: number,
  ) {
    this.hostsPath = join(dir, 'hosts');
  }

  /** Starts dnsmasq with `zone` and resolves once it answers queries. */
  static async start(zone: DnsmasqZone): Promise<Dnsmasq> {
    requireDnsmasq();
    const dir = mkdtempSync(join(tmpdir(), 'lb-dnsmasq-'));
    // dnsmasq may read the hosts file as another user (when it drops root); the file holds nothing secret.
    chmodSync(dir, 0o755);
    const server = new Dnsmasq(dir, zone, 0);
    server.writeHosts();
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      server.port = await freeUdpPort();
      try {
        await server.spawn();
        return server;
      } catch (err) {
        lastError = err as Error;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw lastError ?? new Error('dnsmasq did not start');
  }

  /** `127.0.0.1:<port>`, for a source's `servers`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The process id while it runs. */
  get pid(): number | undefined {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null
      ? child.pid
      : undefined;
  }

  /** Replaces the hosts file (atomically) and tells dnsmasq to re-read it. */
  setHosts(hosts: readonly string[]): void {
    this.zone = { ...this.zone, hosts };
    this.writeHosts();
    const pid = this.pid;
    if (pid !== undefined) process.kill(pid, 'SIGHUP');
  }

  /** Kills the server outright: queries to its port go unanswered (ICMP port unreachable) until `restart`. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    await this.exited;
  }

  /** Starts the server again on the same port with the current zone. */
  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async close(): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private writeHosts(): void {
    const tmp = `${this.hostsPath}.tmp`;
    writeFileSync(tmp, `${this.zone.hosts.join('\n')}\n`, { mode: 0o644 });
    renameSync(tmp, this.hostsPath);
  }

  private args(): string[] {
    const { domain, ttl, srv = [] } = this.zone;
    return [
      '--no-daemon',
      `--port=${this.port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${this.hostsPath}`,
      `--local-ttl=${ttl}`,
      // Answers for the test domain come from us alone: a missing name is NXDOMAIN, never forwarded.
      `--local=/${domain}/`,
      ...srv.map((r) => `--srv-host=${r.name},${r.target},${r.port},${r.priority},${r.weight}`),
      '--conf-file=/dev/null',
      '--pid-file=',
      '--log-facility=-',
    ];
  }

  /** Spawns dnsmasq and waits (bounded) until it answers; rejects with its output if it exits first. */
  private async spawn(): Promise<void> {
    const child = spawn(dnsmasqPath, this.args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.exited = once(child, 'exit');
    let output = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      output = (output + chunk).slice(-4_000);
    });
    const exitedEarly = this.exited.then(() => {
      throw new Error(`dnsmasq exited before answering (code ${child.exitCode}): ${output}`);
    });
    const ready = this.waitUntilAnswering(child);
    await Promise.race([ready, exitedEarly]);
    exitedEarly.catch(() => {});
  }

  private async waitUntilAnswering(child: ChildProcess): Promise<void> {
    const resolver = new Resolver({ timeout: 200, tries: 1 });
    resolver.setServers([this.address]);
    const deadline = Date.now() + 10_000;
    while (child.exitCode === null && child.signalCode === null) {
      try {
        await resolver.resolve4(`ready-probe.${this.zone.domain}`);
        return;
      } catch (err) {
        // NXDOMAIN is an answer: the server is up.
        if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND') return;
      }
      if (Date.now() > deadline) throw new Error(`dnsmasq on ${this.address} did not answer within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`dnsmasq on ${this.address} exited`);
  }
}
