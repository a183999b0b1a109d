import { readFile } from 'node:fs/promises';
import { type DiscoverySource, LbError } from '@lb/core';
import {
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertPort,
  assertString,
  fail,
} from '@lb/core/internal';
import { type EndpointSlice, slicesToBackends } from './endpointSlices.js';
import { ApiStatusError, type ApiTarget, openGet, readBody } from './kubernetesApi.js';
import { retryDelay } from './refreshDelay.js';
import { normalizeBackends } from './snapshotDiff.js';
import { defaultHoldMs, type FailureRuleOptions, SourceBase } from './sourceBase.js';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options of {@link kubernetesDiscovery}. */
export interface KubernetesDiscoveryOptions extends FailureRuleOptions {
  /** The Service whose EndpointSlices (label `kubernetes.io/service-name`) are followed. */
  service: string;
  /**
   * The Service port's name (resolved in each slice, as a named port may map to different numbers) or the
   * endpoints' port number.
   */
  port: string | number;
  /** The Service's namespace. @default the pod's own, read from `namespacePath` */
  namespace?: string;
  /**
   * The API server. @default `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, as set in every pod
   */
  apiServer?: string;
  /** The service-account token, re-read for every request and after a 401. @default the mounted token */
  tokenPath?: string;
  /** The cluster CA certificate. @default the mounted `ca.crt` */
  caPath?: string;
  /** The file holding the pod's namespace. @default the mounted `namespace` */
  namespacePath?: string;
  /** Seconds a watch request lasts before it is renewed (the server ends it then). @default 300 */
  watchSeconds?: number;
}

const knownOptions = new Set([
  'service',
  'port',
  'namespace',
  'apiServer',
  'tokenPath',
  'caPath',
  'namespacePath',
  'watchSeconds',
  'hold',
]);

/** The options with the service-account defaults applied. */
type ResolvedKubernetesOptions = Required<
  Pick<
    KubernetesDiscoveryOptions,
    'service' | 'port' | 'tokenPath' | 'caPath' | 'namespacePath' | 'watchSeconds'
  >
> &
  Pick<KubernetesDiscoveryOptions, 'namespace' | 'apiServer'>;

/** An event of a watch stream. */
interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: EndpointSlice & { readonly code?: number; readonly message?: string };
}

/** How a watch ended. */
type WatchEnd = 'relist' | 'rewatch';

/** A watch that ends cleanly sooner than this is renewed only after a pause. */
const quickWatchMs = 1_000;

/** Milliseconds a list request may stay silent. */
const listIdleMs = 10_000;

class KubernetesSource extends SourceBase {
  readonly description: string;
  private readonly slices = new Map<string, EndpointSlice>();
  private resourceVersion = '';
  private namespace: string | undefined;
  private generation = 0;
  /** The request open now, destroyed by `close`. */
  private current: { destroy(): void } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly options: ResolvedKubernetesOptions,
    hold: number,
  ) {
    super(hold);
    this.namespace = options.namespace;
    this.description = `kubernetes ${options.namespace ?? ''}${options.namespace ? '/' : ''}${options.service}:${options.port}`;
  }

  protected open(): void {
    void this.run(this.generation);
  }

  protected close(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.current?.destroy();
    this.current = undefined;
  }

  /** Lists, then watches until the watch breaks; a failure is reported and retried with backoff. */
  private async run(generation: number): Promise<void> {
    let authRetried = false;
    for (;;) {
      try {
        await this.list(generation);
        for (;;) {
          const started = Date.now();
          const end = await this.watch(generation);
          if (generation !== this.generation) return;
          this.failures = 0;
          authRetried = false;
          if (end === 'relist') break;
          // A watch the server ends at once, over and over (a proxy in between, a misconfigured timeout),
          // must not become a busy loop.
          if (Date.now() - started < quickWatchMs) await this.pause(retryDelay(1, Math.random()));
          if (generation !== this.generation) return;
        }
      } catch (err) {
        if (generation !== this.generation) return;
        // A 401 usually means the token rotated under us; the next request reads the new one, at once.
        if (err instanceof ApiStatusError && err.status === 401 && !authRetried) {
          authRetried = true;
          continue;
        }
        this.failures++;
        const error =
          err instanceof LbError
            ? err
            : new LbError('LB_ERR_DISCOVERY_FAILED', `${this.description}: ${(err as Error).message}`, {
                cause: err,
              });
        this.report({ kind: 'failed', error });
        await this.pause(retryDelay(this.failures, Math.random()));
        if (generation !== this.generation) return;
      }
    }
  }

  /** Waits `ms`. `close` clears the timer: the paused run then never resumes and is collected. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.retryTimer = setTimeout(resolve, ms);
      this.retryTimer.unref();
    });
  }

  private async target(): Promise<{ target: ApiTarget; path: string }> {
    const { apiServer, service, tokenPath, caPath, namespacePath } = this.options;
    const server = apiServer ?? defaultApiServer();
    this.namespace ??= (await readFile(namespacePath, 'utf8')).trim();
    const selector = encodeURIComponent(`kubernetes.io/service-name=${service}`);
    const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/endpointslices?labelSelector=${selector}`;
    return { target: { url: new URL(server), tokenPath, caPath }, path };
  }

  private async list(generation: number): Promise<void> {
    const { target, path } = await this.target();
    const { req, res } = await openGet(target, path, listIdleMs);
    this.current = req;
    const list = parseJson(await readBody(res)) as {
      metadata?: { resourceVersion?: string };
      items?: EndpointSlice[];
    };
    if (generation !== this.generation) return;
    this.slices.clear();
    for (const slice of list.items ?? []) this.slices.set(slice.metadata.name, slice);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.publish();
  }

  /** Follows the watch stream from the last resource version; resolves with what to do next. */
  private async watch(generation: number): Promise<WatchEnd> {
    const { target, path } = await this.target();
    const { watchSeconds } = this.options;
    const query = `&watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.resourceVersion)}&timeoutSeconds=${watchSeconds}`;
    let opened: Awaited<ReturnType<typeof openGet>>;
    try {
      // A bookmark comes about once a minute; twice that with no byte at all is a dead connection.
      opened = await openGet(target, path + query, (watchSeconds + 120) * 1000);
    } catch (err) {
      if (err instanceof ApiStatusError && err.status === 410) return 'relist';
      throw err;
    }
    const { req, res } = opened;
    this.current = req;
    res.setEncoding('utf8');
    let buffered = '';
    for await (const chunk of res) {
      if (generation !== this.generation) return 'rewatch';
      buffered += chunk as string;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (line === '') continue;
        if (this.apply(parseJson(line) as WatchEvent) === 'relist') {
          req.destroy();
          return 'relist';
        }
      }
    }
    if (!res.complete) throw new LbError('LB_ERR_DISCOVERY_FAILED', `${this.description}: the watch broke`);
    return 'rewatch';
  }

  /** Applies one watch event; `relist` when the server says our resource version is too old. */
  private apply(event: WatchEvent): 'relist' | undefined {
    const object = event.object;
    if (event.type === 'ERROR') {
      if (object.code === 410) return 'relist';
      throw new LbError(
        'LB_ERR_DISCOVERY_FAILED',
        `${this.description}: watch error ${object.code}: ${object.message}`,
      );
    }
    this.resourceVersion = object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type === 'BOOKMARK') return undefined;
    if (event.type === 'DELETED') this.slices.delete(object.metadata.name);
    else this.slices.set(object.metadata.name, object);
    this.publish();
    return undefined;
  }

  private publish(): void {
    const backends = normalizeBackends(slicesToBackends(this.slices.values(), this.options.port));
    this.report(backends.length > 0 ? { kind: 'backends', backends } : { kind: 'empty' });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LbError(
      'LB_ERR_DISCOVERY_INVALID',
      `the API server sent invalid JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** The in-cluster API server address from the environment every pod gets. */
function defaultApiServer(): string {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new LbError(
      'LB_ERR_DISCOVERY_FAILED',
      'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not in a pod? Set apiServer.',
    );
  }
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Backends from the `discovery.k8s.io/v1` EndpointSlices of a Service, followed from inside a pod: a list, then
 * a watch (with bookmarks; a `410 Gone`, even inside the stream, relists), reconnecting with jittered backoff.
 * Every slice of the Service is merged and deduplicated; ready endpoints serve, and when none is ready the
 * serving, terminating ones do. Each backend keeps its `zone` and `nodeName`. The token is re-read for every
 * request, so rotation needs nothing; the CA comes from the mounted `ca.crt`. Needs a Role allowing `get`,
 * `list` and `watch` on `endpointslices` (`docs/discovery.md`).
 *
 * @example
 * ```ts
 * const lb = new LoadBalancer({ loadBalancerPort: 8080, discovery: kubernetesDiscovery({ service: 'api', port: 'http' }) });
 * ```
 */
export function kubernetesDiscovery(options: KubernetesDiscoveryOptions): DiscoverySource {
  if (typeof options !== 'object' || options === null) {
    fail('LB_ERR_INVALID_OPTION', 'kubernetesDiscovery', 'needs an options object', options);
  }
  assertKnownKeys(options, knownOptions, 'kubernetesDiscovery');
  assertString(options.service, 'service');
  if (typeof options.port === 'number') assertPort(options.port, 'port');
  else assertString(options.port, 'port');
  if (options.namespace !== undefined) assertString(options.namespace, 'namespace');
  if (options.apiServer !== undefined) assertString(options.apiServer, 'apiServer');
  const { hold = defaultHoldMs, watchSeconds = 300 } = options;
  assertNumber(hold, 'hold', 0);
  assertInteger(watchSeconds, 'watchSeconds', 1);
  return new KubernetesSource(
    {
      service: options.service,
      port: options.port,
      namespace: options.namespace,
      apiServer: options.apiServer,
      tokenPath: options.tokenPath ?? `${serviceAccountDir}/token`,
      caPath: options.caPath ?? `${serviceAccountDir}/ca.crt`,
      namespacePath: options.namespacePath ?? `${serviceAccountDir}/namespace`,
      watchSeconds,
    },
    hold,
  );
}
