// Network namespaces for the system tests: each one a host of its own, joined to the test's namespace by a veth
// pair on a /30 of 198.18.0.0/15. That range is reserved for network benchmarking (RFC 2544) and is never
// routed, so it does not collide with a real network; the third octet is picked at random among the unused
// ones, so two runs on one machine do not collide either. Names carry a random id, and `removeAll` deletes
// every namespace and veth a run created.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';

const ipPath = '/usr/sbin/ip';

function ip(...args: string[]): string {
  return execFileSync(ipPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Fails with the reason when this process cannot create network namespaces (not root, no `ip`, no netns
 * support): the test needs them and says so rather than skip.
 */
export function requireNetns(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the network-namespace system test needs root (ip netns add, veth pairs); run `pnpm test:system` as root, as .ci/run does',
    );
  }
  const probe = `lbprobe-${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`cannot create a network namespace with ${ipPath} (install iproute2): ${stderr.trim()}`);
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // It was never created.
    }
  }
}

/** One namespace: its name, the veth ends and addresses, and a backend process inside it. */
export class Namespace {
  private backend: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    /** The veth end in the test's namespace. */
    readonly outside: string,
    /** The veth end inside. */
    readonly inside: string,
    /** The address inside, where its backend listens. */
    readonly address: string,
  ) {}

  /** Starts an HTTP backend inside that answers every request with the namespace's address. */
  async startBackend(port: number): Promise<void> {
    const script = `
      const http = require('node:http');
      const server = http.createServer((req, res) => res.end(${JSON.stringify(this.address)}));
      server.keepAliveTimeout = 1000;
      server.listen(${port}, ${JSON.stringify(this.address)}, () => process.stdout.write('listening\\n'));
    `;
    const child = spawn(ipPath, ['netns', 'exec', this.name, process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.backend = child;
    this.exited = once(child, 'exit');
    child.stdout?.setEncoding('utf8');
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the backend in ${this.name} exited (${code})`)));
    });
  }

  /** Kills the backend outright: its address refuses connections. */
  async killBackend(): Promise<void> {
    const child = this.backend;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** Takes the link inside down (or up): while down, packets to the address vanish, as with a cut cable. */
  setLink(state: 'up' | 'down'): void {
    ip('-n', this.name, 'link', 'set', this.inside, state);
  }
}

/** The namespaces of one run; {@link NamespaceSet.removeAll} undoes everything created, even half-way. */
export class NamespaceSet {
  readonly namespaces: Namespace[] = [];
  private readonly id = randomBytes(2).toString('hex');
  private readonly subnet: string;

  constructor() {
    this.subnet = `198.18.${unusedThirdOctet()}`;
  }

  /** Creates namespace number `index` (1–63) with its veth pair, both ends up, and returns it. */
  add(index: number): Namespace {
    const ns = new Namespace(
      `lbt-${this.id}-${index}`,
      `lbh${this.id}${index}`,
      `lbn${this.id}${index}`,
      `${this.subnet}.${4 * index + 2}`,
    );
    // Registered before it exists, so a failure half-way is still cleaned up.
    this.namespaces.push(ns);
    ip('netns', 'add', ns.name);
    ip('link', 'add', ns.outside, 'type', 'veth', 'peer', 'name', ns.inside, 'netns', ns.name);
    ip('addr', 'add', `${this.subnet}.${4 * index + 1}/30`, 'dev', ns.outside);
    ip('link', 'set', ns.outside, 'up');
    ip('-n', ns.name, 'addr', 'add', `${ns.address}/30`, 'dev', ns.inside);
    ip('-n', ns.name, 'link', 'set', ns.inside, 'up');
    ip('-n', ns.name, 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Kills every backend, deletes every namespace (which deletes its veth end and so the pair) and any veth left. */
  async removeAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const ns of this.namespaces.splice(0)) {
      await ns.killBackend();
      for (const args of [
        ['netns', 'del', ns.name],
        ['link', 'del', ns.outside],
      ]) {
        try {
          ip(...args);
        } catch (err) {
          const stderr = (err as { stderr?: string }).stderr ?? '';
          // Already gone (the pair goes with the namespace) is what we want.
          if (!/No such file|Cannot find device|does not exist/.test(stderr)) problems.push(stderr.trim());
        }
      }
    }
    return problems;
  }

  /** Names of this run's namespaces and links still on the machine, for the test to check its cleanup. */
  leftovers(): string[] {
    const names = `${ip('netns', 'list')}\n${ip('-o', 'link', 'show')}`;
    return names
      .split('\n')
      .filter((line) => line.includes(`lbt-${this.id}-`) || line.includes(`lbh${this.id}`));
  }
}

/** A third octet of 198.18.x.0/24 that no interface of this namespace uses yet. */
function unusedThirdOctet(): number {
  const used = ip('-4', '-o', 'addr', 'show');
  for (let attempt = 0; attempt < 50; attempt++) {
    const octet = randomInt(0, 256);
    if (!used.includes(`198.18.${octet}.`)) return octet;
  }
  throw new Error('no free 198.18.x.0/24 for the test namespaces');
}
