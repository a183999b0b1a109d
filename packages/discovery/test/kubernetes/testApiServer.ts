import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TestCertificates } from './testCa.js';

/** One endpoint of a test slice. */
export interface TestEndpoint {
  readonly ip: string;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
  readonly zone?: string;
  readonly nodeName?: string;
}

/** An EndpointSlice object shaped as the `discovery.k8s.io/v1` API reference documents it. */
export function endpointSlice(
  name: string,
  service: string,
  endpoints: readonly TestEndpoint[],
  ports: readonly { name: string; port: number }[],
): Record<string, unknown> {
  return {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: {
      name,
      generateName: `${service}-`,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: {
        'kubernetes.io/service-name': service,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Service', name: service, uid: `uid-${service}`, controller: true },
      ],
    },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? true, terminating: e.terminating ?? false },
      targetRef: { kind: 'Pod', namespace: 'default', name: `pod-${e.ip}`, uid: `uid-pod-${e.ip}` },
      ...(e.nodeName === undefined ? {} : { nodeName: e.nodeName }),
      ...(e.zone === undefined ? {} : { zone: e.zone }),
    })),
    ports: ports.map((p) => ({ name: p.name, protocol: 'TCP', port: p.port })),
  };
}

type Slice = ReturnType<typeof endpointSlice>;
type Meta = { name: string; resourceVersion?: string; labels: Record<string, string> };

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/**
 * A Kubernetes API server for tests that speaks the real wire protocol for EndpointSlices in the `default`
 * namespace: list with `labelSelector`, watch streams (`watch=1`, `resourceVersion`, `allowWatchBookmarks`)
 * of newline-delimited events, bookmarks, a `410 Gone` as an in-stream `ERROR` event for a resource version
 * that is too old, and bearer-token checks answered with a 401 `Status`.
 */
export class TestApiServer {
  /** The token requests must carry. */
  token = 'token-1';
  /** Requests seen, as `list`, `watch` or `401`. */
  readonly requests: string[] = [];
  private revision = 1;
  /** Events with their revision, for watches that start in the past. */
  private history: { rv: number; type: string; object: Slice }[] = [];
  /** The oldest revision a watch may start from; older ones get 410. */
  private oldest = 1;
  private readonly slices = new Map<string, Slice>();
  private readonly watches = new Set<{ res: ServerResponse; selector: string }>();
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private readonly scheme: 'http' | 'https';
  /** The port, kept across {@link TestApiServer.pause}. */
  private port = 0;

  private constructor(certificates: TestCertificates | undefined) {
    this.scheme = certificates ? 'https' : 'http';
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    this.server = certificates
      ? createHttpsServer({ key: certificates.key, cert: certificates.cert }, handler)
      : createHttpServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts on a free port of 127.0.0.1: HTTPS with `certificates`, plain HTTP without. */
  static async start(certificates: TestCertificates | undefined): Promise<TestApiServer> {
    const api = new TestApiServer(certificates);
    api.server.listen(0, '127.0.0.1');
    await once(api.server, 'listening');
    return api;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo | null;
    return `${this.scheme}://127.0.0.1:${address?.port ?? this.port}`;
  }

  /** Creates or replaces a slice (an `ADDED` or `MODIFIED` event). */
  apply(slice: Slice): void {
    const meta = slice.metadata as Meta;
    const type = this.slices.has(meta.name) ? 'MODIFIED' : 'ADDED';
    this.record(type, slice);
  }

  /** Deletes a slice (a `DELETED` event). */
  delete(name: string): void {
    const slice = this.slices.get(name);
    if (slice !== undefined) this.record('DELETED', slice);
  }

  /** Sends a `BOOKMARK` with the current revision to every watch. */
  bookmark(): void {
    const object = {
      kind: 'EndpointSlice',
      apiVersion: 'discovery.k8s.io/v1',
      metadata: { resourceVersion: String(this.revision) },
    };
    for (const w of this.watches) this.write(w.res, 'BOOKMARK', object);
  }

  /**
   * Forgets the history, as etcd compaction does, and tells every open watch with an in-stream `ERROR`
   * `410 Gone`, ending it: the client must list again.
   */
  expire(): void {
    this.compact();
    for (const w of [...this.watches]) {
      this.write(w.res, 'ERROR', status(410, 'Expired', 'too old resource version'));
      w.res.end();
    }
  }

  /** Forgets the history without telling anyone, as etcd compaction does: a watch from before it gets 410. */
  compact(): void {
    this.oldest = this.revision;
    this.history = [];
  }

  /** Ends every watch cleanly, as the server does when a watch's `timeoutSeconds` runs out. */
  endWatches(): void {
    for (const w of [...this.watches]) w.res.end();
  }

  /** Cuts every connection, as a crashed API server or a network break does. */
  breakConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Resolves at the next request of `kind` (`list`, `watch` or `401`). */
  nextRequest(kind: string): Promise<void> {
    return new Promise((resolve) => {
      const onRequest = (seen: string): void => {
        if (seen !== kind) return;
        this.server.off('request-seen', onRequest);
        resolve();
      };
      this.server.on('request-seen', onRequest);
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.breakConnections();
    await closed;
  }

  /**
   * An outage: stops listening and cuts every connection, so connections are refused, while the slices and
   * their history are kept for {@link TestApiServer.resume}.
   */
  async pause(): Promise<void> {
    this.port = (this.server.address() as AddressInfo).port;
    await this.close();
  }

  /** Ends an outage: listens again on the same port, with the state it had. */
  async resume(): Promise<void> {
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  private record(type: string, slice: Slice): void {
    this.revision++;
    const meta = slice.metadata as Meta;
    const object = { ...slice, metadata: { ...meta, resourceVersion: String(this.revision) } };
    if (type === 'DELETED') this.slices.delete(meta.name);
    else this.slices.set(meta.name, object);
    this.history.push({ rv: this.revision, type, object });
    for (const w of this.watches) if (this.matches(object, w.selector)) this.write(w.res, type, object);
  }

  private matches(slice: Slice, selector: string): boolean {
    const [key, value] = selector.split('=');
    return key !== undefined && (slice.metadata as Meta).labels[key] === value;
  }

  private seen(kind: string): void {
    this.requests.push(kind);
    this.server.emit('request-seen', kind);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.seen('401');
      json(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (url.pathname !== '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices') {
      json(404, status(404, 'NotFound', `the server could not find the requested resource`));
      return;
    }
    const selector = url.searchParams.get('labelSelector') ?? '';
    if (url.searchParams.get('watch') !== '1') {
      this.seen('list');
      json(200, {
        kind: 'EndpointSliceList',
        apiVersion: 'discovery.k8s.io/v1',
        metadata: { resourceVersion: String(this.revision) },
        items: [...this.slices.values()].filter((s) => this.matches(s, selector)),
      });
      return;
    }
    this.seen('watch');
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (from < this.oldest) {
      // The API server answers 200 and sends the 410 as the stream's only event.
      this.write(res, 'ERROR', status(410, 'Expired', `too old resource version: ${from} (${this.oldest})`));
      res.end();
      return;
    }
    for (const e of this.history)
      if (e.rv > from && this.matches(e.object, selector)) this.write(res, e.type, e.object);
    const watch = { res, selector };
    this.watches.add(watch);
    res.on('close', () => this.watches.delete(watch));
  }

  private write(res: ServerResponse, type: string, object: unknown): void {
    res.write(`${JSON.stringify({ type, object })}\n`);
  }
}
