import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import { decodeMessage, encodeMessage, Rcode, RecordType, type ResourceRecord } from './dnsMessage.js';

/** The records of one name. A name missing from the zone answers NXDOMAIN. */
export interface ZoneEntry {
  a?: readonly { address: string; ttl: number }[];
  aaaa?: readonly { address: string; ttl: number }[];
  srv?: readonly { priority: number; weight: number; port: number; target: string; ttl: number }[];
}

/**
 * A small authoritative DNS server over UDP on 127.0.0.1 for tests: A, AAAA and SRV with TTLs, NXDOMAIN for
 * unknown names, SERVFAIL on demand, and silence (an outage) on demand. Edit `zone` between queries.
 */
export class TestDnsServer {
  /** Name (without trailing dot, lower case) → records. */
  readonly zone = new Map<string, ZoneEntry>();
  /** `answer` serves the zone; `servfail` answers SERVFAIL; `silent` drops every query (an outage). */
  mode: 'answer' | 'servfail' | 'silent' = 'answer';
  /** Questions received, as `name TYPE`. */
  readonly queries: string[] = [];
  private readonly socket: Socket = createSocket('udp4');
  private readonly events = new EventEmitter();

  private constructor() {
    this.socket.on('message', (msg, peer) => this.answer(msg, peer.port, peer.address));
  }

  /** Starts a server on a free port of 127.0.0.1. */
  static async start(): Promise<TestDnsServer> {
    const server = new TestDnsServer();
    server.socket.bind(0, '127.0.0.1');
    await once(server.socket, 'listening');
    return server;
  }

  /** `127.0.0.1:PORT`, for the `servers` option. */
  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  /** Resolves at the next query whose text (`name TYPE`) satisfies `match`. */
  nextQuery(match: (query: string) => boolean = () => true): Promise<string> {
    return new Promise((resolve) => {
      const onQuery = (query: string): void => {
        if (!match(query)) return;
        this.events.off('query', onQuery);
        resolve(query);
      };
      this.events.on('query', onQuery);
    });
  }

  async close(): Promise<void> {
    this.socket.close();
    await once(this.socket, 'close');
  }

  private answer(msg: Buffer, port: number, address: string): void {
    const query = decodeMessage(msg);
    const question = query.questions[0];
    if (question === undefined) return;
    const name = question.name.toLowerCase();
    const typeName =
      Object.entries(RecordType).find(([, t]) => t === question.type)?.[0] ?? String(question.type);
    const text = `${name} ${typeName}`;
    this.queries.push(text);
    this.events.emit('query', text);
    if (this.mode === 'silent') return;
    const entry = this.zone.get(name);
    let answers: ResourceRecord[] = [];
    if (entry !== undefined) {
      if (question.type === RecordType.A) answers = (entry.a ?? []).map((r) => ({ name, type: 1, ...r }));
      if (question.type === RecordType.AAAA)
        answers = (entry.aaaa ?? []).map((r) => ({ name, type: 28, ...r }));
      if (question.type === RecordType.SRV)
        answers = (entry.srv ?? []).map((r) => ({ name, type: 33, ...r }));
    }
    const rcode =
      this.mode === 'servfail' ? Rcode.serverFailure : entry === undefined ? Rcode.nameError : Rcode.noError;
    const reply = encodeMessage({
      id: query.id,
      response: true,
      recursionDesired: query.recursionDesired,
      rcode,
      questions: [question],
      answers: rcode === Rcode.noError ? answers : [],
    });
    this.socket.send(reply, port, address);
  }
}
